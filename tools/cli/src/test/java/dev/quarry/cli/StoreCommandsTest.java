package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.store.QvecHeader;
import dev.quarry.store.QvecWriter;
import dev.quarry.testing.TestFiles;
import dev.quarry.testing.TestVectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quarry import}, {@code info} and {@code generate} as a user runs them: outputs, messages, exit codes. */
class StoreCommandsTest {
    @TempDir
    Path dir;

    private final SplittableRandom random = new SplittableRandom(3);

    @Test
    void importThenInfoDescribesTheStore() {
        Path in = TestFiles.npyF4(dir.resolve("emb.npy"), TestVectors.rows(random, 40, 12));
        Path out = dir.resolve("emb.qvec");
        CliRun imported = CliRun.of("import", "--input", in, "--output", out, "--normalize");
        assertEquals(0, imported.exitCode(), imported::toString);
        assertTrue(imported.out().contains("wrote " + out + ": 40 x 12 float32, unit-norm rows"), imported::toString);

        CliRun info = CliRun.of("info", out, "--verify");
        assertEquals(0, info.exitCode(), info::toString);
        assertTrue(info.out().contains("count         40"), info::toString);
        assertTrue(info.out().contains("dim           12"), info::toString);
        assertTrue(info.out().contains("normalized    yes (flag set"), info::toString);
        assertTrue(info.out().matches("(?s).*header crc    0x[0-9a-f]{8} ok.*"), info::toString);
        assertTrue(info.out().contains("scanned       all 40 rows"), info::toString);
    }

    @Test
    void infoReportsNanAndZeroRowsWithoutFailing() {
        float[][] rows = TestVectors.rows(random, 8, 4);
        rows[2][1] = Float.NaN;
        rows[5] = new float[4];
        Path file = TestFiles.npyF4(dir.resolve("dirty.npy"), rows);
        CliRun info = CliRun.of("info", file);
        assertEquals(0, info.exitCode(), info::toString);
        assertTrue(info.out().contains("nan/inf rows  1 (first: row 2)"), info::toString);
        assertTrue(info.out().contains("zero rows     1 (first: row 5)"), info::toString);
        assertTrue(info.err().contains("warning"), info::toString);
    }

    @Test
    void verifyFailsOnAStoreFlaggedNormalizedWhoseRowsAreNot() {
        // Written with the flag set but never normalized: norms up to 2e37.
        float[][] rows = {{0.6f, 0.8f, 0}, {0, 1, 0}, {2e37f, 0, 0}, {0, 3, 4}};
        Path file = dir.resolve("flagged.qvec");
        try (QvecWriter writer = QvecWriter.create(file, 3)) {
            for (float[] row : rows) {
                writer.write(row, 0, 1);
            }
            writer.finish(true);
        }
        CliRun verify = CliRun.of("info", file, "--verify");
        assertEquals(3, verify.exitCode(), verify::toString);
        assertTrue(verify.err().contains("quarry: " + file + ": row[2] norm=2.00000e+37, expected 1 within 0.001, as the"
                + " header flags every row L2-normalized (2 of the rows are not)"), verify::toString);
        assertTrue(verify.out().contains("normalized    no (flag set"), verify::toString);

        // A look at a sample warns, and leaves the failure to --verify.
        CliRun look = CliRun.of("info", file);
        assertEquals(0, look.exitCode(), look::toString);
        assertTrue(look.err().contains("quarry info: warning: " + file + ": row[2] norm=2.00000e+37"), look::toString);

        // The same rows, unflagged, are fine; so are flagged unit rows.
        assertEquals(0, CliRun.of("info", TestFiles.qvec(dir.resolve("plain.qvec"), rows, false), "--verify").exitCode());
        float[][] unit = {{0.6f, 0.8f, 0}, {0, 1, 0}};
        CliRun ok = CliRun.of("info", TestFiles.qvec(dir.resolve("unit.qvec"), unit, true), "--verify");
        assertEquals(0, ok.exitCode(), ok::toString);
        assertTrue(ok.err().isEmpty() || !ok.err().contains("warning"), ok::toString);
    }

    @Test
    void generateWritesTheBenchmarkDataDeterministically() throws IOException {
        Path a = dir.resolve("a.qvec");
        Path b = dir.resolve("b.qvec");
        Path q = dir.resolve("q.qvec");
        CliRun first = CliRun.of("generate", "--count", 3000, "--dim", 16, "--output", a, "--queries", 10,
                "--queries-output", q);
        assertEquals(0, first.exitCode(), first::toString);
        assertEquals(0, CliRun.of("generate", "--count", 3000, "--dim", 16, "--output", b).exitCode());
        assertTrue(Files.mismatch(a, b) < 0, "same seed, same bytes");
        CliRun info = CliRun.of("info", q, "--verify");
        assertTrue(info.out().contains("count         10"), info::toString);
        assertTrue(info.out().contains("normalized    yes"), info::toString);
    }

    @Test
    void badInputExitsWithCodeThreeAndNamesFileAndField() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.npy"));
        assertDataError(CliRun.of("info", empty), empty + ": size=0 bytes");

        Path junk = Files.writeString(dir.resolve("junk.qvec"), "x".repeat(5000));
        assertDataError(CliRun.of("info", junk), junk + ": magic=\"xxxx\", expected \"QVEC\"");

        Path crc = TestFiles.qvec(dir.resolve("crc.qvec"), TestVectors.rows(random, 3, 3), false);
        TestFiles.poke(crc, 13, 1);
        assertDataError(CliRun.of("info", crc), crc + ": header crc=");

        Path truncated = TestFiles.qvec(dir.resolve("cut.qvec"), TestVectors.rows(random, 3, 3), false);
        TestFiles.truncate(truncated, QvecHeader.SIZE + 20);
        assertDataError(CliRun.of("info", truncated), truncated + ": size=4116 bytes");

        Path f8 = TestFiles.npyRaw(dir.resolve("f8.npy"), 1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }", 8);
        assertDataError(CliRun.of("import", "--input", f8, "--output", dir.resolve("o.qvec")),
                f8 + ": dtype=<f8, expected <f4 or <f2");

        Path fortran = TestFiles.npyRaw(dir.resolve("fo.npy"), 1,
                "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }", 4);
        assertDataError(CliRun.of("info", fortran), fortran + ": fortran_order=True");

        Path cube = TestFiles.npyRaw(dir.resolve("cube.npy"), 1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1), }", 4);
        assertDataError(CliRun.of("info", cube), cube + ": shape=(1, 1, 1), expected a 2-d array");
    }

    @Test
    void importRejectsNanAndZeroRowsAndLeavesNothingBehind() {
        float[][] rows = TestVectors.rows(random, 5, 3);
        rows[1][0] = Float.POSITIVE_INFINITY;
        Path nan = TestFiles.npyF4(dir.resolve("inf.npy"), rows);
        Path out = dir.resolve("out.qvec");
        assertDataError(CliRun.of("import", "--input", nan, "--output", out), nan + ": row[1]=Infinity at column 0");
        assertEquals(0, CliRun.of("import", "--input", nan, "--output", out, "--allow-nan").exitCode());

        float[][] zero = TestVectors.rows(random, 5, 3);
        zero[3] = new float[3];
        Path z = TestFiles.npyF4(dir.resolve("zero.npy"), zero);
        Path zout = dir.resolve("zero.qvec");
        assertDataError(CliRun.of("import", "--input", z, "--output", zout, "--normalize"), z + ": row[3] norm=0");
        assertEquals(List.of("inf.npy", "out.qvec", "zero.npy"), TestFiles.list(dir));
    }

    @Test
    void unwritableOutputExitsWithCodeThree() {
        Path in = TestFiles.npyF4(dir.resolve("in.npy"), TestVectors.rows(random, 2, 2));
        Path out = dir.resolve("missing-dir/out.qvec");
        assertDataError(CliRun.of("import", "--input", in, "--output", out), out + ": output=directory ");
    }

    @Test
    void usageErrorsExitWithCodeTwo() {
        CliRun missing = CliRun.of("import", "--input", "x.npy");
        assertEquals(ExitCodes.USAGE, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("Missing required option: '--output"), missing::toString);
        CliRun unknown = CliRun.of("info", "--frobnicate", "x.qvec");
        assertEquals(ExitCodes.USAGE, unknown.exitCode(), unknown::toString);
        CliRun badKind = CliRun.of("generate", "--kind", "spiral", "--output", dir.resolve("g.qvec"));
        assertEquals(ExitCodes.USAGE, badKind.exitCode(), badKind::toString);
        assertTrue(badKind.err().contains("kind=spiral, expected clustered or uniform"), badKind::toString);
    }

    private static void assertDataError(CliRun run, String prefix) {
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().startsWith("quarry: " + prefix), run::toString);
        assertFalse(run.err().contains("Exception"), () -> "no stack trace for bad data: " + run);
    }
}
