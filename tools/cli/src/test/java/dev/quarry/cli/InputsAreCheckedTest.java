package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.TestFiles;
import dev.quarry.testing.TestVectors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inputs that would give a wrong answer with exit code 0 are refused: non-finite rows and broken
 * {@code .fvecs} rows mined in place, texts that miss rows or hold a number where a text should be,
 * NaN as an option value, a thread count no machine has.
 */
class InputsAreCheckedTest {
    private static final int ROWS = 200;
    private static final int DIM = 8;

    @TempDir
    Path dir;

    private float[][] rows;
    private Path qrels;

    @BeforeEach
    void writeLabels() throws IOException {
        rows = TestVectors.rows(new SplittableRandom(5), ROWS, DIM);
        StringBuilder tsv = new StringBuilder();
        for (int a = 0; a < 40; a++) {
            tsv.append(a).append('\t').append(a + 100).append('\n');
        }
        qrels = Files.writeString(dir.resolve("qrels.tsv"), tsv);
    }

    private List<Object> mine(Path corpus, Object... more) {
        List<Object> args = new ArrayList<>(List.of("mine", "--corpus", corpus, "--qrels", qrels, "--range-max", 30,
                "--output", dir.resolve("mined.jsonl")));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void nonFiniteRowsOfAnNpyMinedInPlaceAreRefusedNamingTheRow() {
        rows[17][3] = Float.NaN;
        rows[150][0] = Float.POSITIVE_INFINITY;
        Path npy = TestFiles.awaitSettled(TestFiles.npyF4(dir.resolve("corpus.npy"), rows)); // else nothing is kept
        CliRun run = CliRun.of(mine(npy).toArray());
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().contains(npy + ": row[17]=NaN or infinite (2 such rows)"), run::toString);
        assertFalse(Files.exists(dir.resolve("mined.jsonl")));
        // Checked once, then from the cache beside the file: the same answer.
        CliRun again = CliRun.of(mine(npy).toArray());
        assertEquals(run.err(), again.err());
        assertTrue(Files.exists(dir.resolve("corpus.npy.qsum")));
    }

    @Test
    void anFvecsWhoseRowHeadersDisagreeIsRefusedEvenWhenItsSizeFits() throws IOException {
        Path fvecs = TestFiles.fvecs(dir.resolve("corpus.fvecs"), rows);
        TestFiles.poke(fvecs, 77L * (4 + 4 * DIM), DIM + 1); // row 77 says it has 9 floats; the size still fits 8
        CliRun run = CliRun.of(mine(fvecs).toArray());
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().contains(fvecs + ": row[77] dim=9, expected 8 as in row 0"), run::toString);
    }

    @Test
    void aCorpusWhoseRowsDifferFromItsFooterIsRefusedByTheScanThatReadsThem() {
        Path qvec = TestFiles.qvec(dir.resolve("corpus.qvec"), rows, false);
        TestFiles.flip(qvec, 4096 + 4L * DIM * 150 + 2); // row 150: header, size and footer all look right
        CliRun run = CliRun.of(mine(qvec, "--threads", 2).toArray());
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().startsWith("quarry: " + qvec + ": footer checksum=0x"), run::toString);
        assertTrue(run.err().contains("computed from the rows as a scan read them (the file is damaged, or changed"
                + " after it was written: re-import the source)"), run::toString);
        assertFalse(run.err().contains("\tat "), "no stack trace: " + run);
        assertFalse(Files.exists(dir.resolve("mined.jsonl")), "nothing published");
    }

    @Test
    void textsThatMissRowsOrHoldNumbersAreRefused() throws IOException {
        Path corpus = TestFiles.qvec(dir.resolve("corpus.qvec"), rows, false);
        StringBuilder some = new StringBuilder();
        for (int r = 0; r < 100; r++) {
            some.append("{\"id\": \"").append(r).append("\", \"text\": \"doc ").append(r).append("\"}\n");
        }
        Path partial = Files.writeString(dir.resolve("partial.jsonl"), some);
        Path ids = Files.write(dir.resolve("ids.txt"), java.util.stream.IntStream.range(0, ROWS)
                .mapToObj(String::valueOf).toList());
        CliRun run = CliRun.of(mine(corpus, "--corpus-ids", ids, "--corpus-text", partial).toArray());
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().contains(partial + ": rows with a text=100 of 200, expected a line for every row (the"
                + " first row without one is row 100, id 100"), run::toString);

        Path numbers = Files.writeString(dir.resolve("numbers.jsonl"), "{\"id\": \"0\", \"text\": \"fine\"}\n"
                + "{\"id\": 1, \"text\": 5}\n");
        run = CliRun.of(mine(corpus, "--corpus-ids", ids, "--corpus-text", numbers).toArray());
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().contains(numbers + ": line 2 \"text\"=5 (a number), expected a string"), run::toString);
    }

    @Test
    void nanIsNotAnOptionValueAndOffSwitchesAFilterOff() {
        Path corpus = TestFiles.qvec(dir.resolve("corpus.qvec"), rows, false);
        for (String option : new String[] {"--near-duplicate", "--relative-margin", "--min-score", "--max-score",
                "--absolute-margin", "--soft-labels", "--checkpoint-seconds", "--simans-a"}) {
            for (String value : new String[] {"NaN", "Infinity", "-Infinity"}) {
                CliRun run = CliRun.of(mine(corpus, option, value).toArray());
                assertEquals(ExitCodes.USAGE, run.exitCode(), option + " " + value + ": " + run);
                // the schema's settings say it as data (--near-duplicate=NaN, expected ...), the command's own options
                // (--checkpoint-seconds) in picocli's words
                assertTrue(run.err().contains(option + "=" + value + ", expected a finite number")
                        || run.err().contains("'" + value + "' is not a finite number"), run::toString);
            }
        }
        CliRun off = CliRun.of(mine(corpus, "--near-duplicate", "off", "--relative-margin", "off").toArray());
        assertEquals(0, off.exitCode(), off::toString);
        assertTrue(off.out().contains("relative-margin=off near-duplicate=off"), off::toString);
    }

    @Test
    void aThreadCountBeyondFourPerCoreIsAUsageErrorAtOnce() {
        Path corpus = TestFiles.qvec(dir.resolve("corpus.qvec"), rows, false);
        long start = System.nanoTime();
        CliRun run = CliRun.of(mine(corpus, "--threads", 1_000_000).toArray());
        assertEquals(ExitCodes.USAGE, run.exitCode(), run::toString);
        int max = 4 * Runtime.getRuntime().availableProcessors();
        assertTrue(run.err().contains("--threads=1000000, expected 1 <= threads <= " + max), run::toString);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
        CliRun zero = CliRun.of(mine(corpus, "--threads", 0).toArray());
        assertEquals(ExitCodes.USAGE, zero.exitCode(), zero::toString);
        assertFalse(zero.err().contains("null"), "no option the user did not give is mentioned: " + zero);
    }

    @Test
    void infoVerifyChecksTheFooterChecksum() throws IOException {
        Path qvec = TestFiles.qvec(dir.resolve("c.qvec"), rows, false);
        CliRun ok = CliRun.of("info", qvec, "--verify");
        assertEquals(0, ok.exitCode(), ok::toString);
        assertTrue(ok.out().contains("ok (matches the footer)"), ok::toString);
        // One float changed in place: the header and size are fine, the rows are not what was written.
        ByteBuffer one = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 0.5f);
        try (var ch = java.nio.channels.FileChannel.open(qvec, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(one, 4096 + 4L * DIM * 33);
        }
        CliRun bad = CliRun.of("info", qvec, "--verify");
        assertEquals(ExitCodes.DATA, bad.exitCode(), bad::toString);
        assertTrue(bad.err().contains(qvec + ": footer checksum="), bad::toString);
    }
}
