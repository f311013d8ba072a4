package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.files.AtomicOutput;
import dev.quarry.files.OutputLock;
import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output is written by one run at a time: a second run fails at once and names the holder; temp
 * names never collide; the temp files a killed run left are deleted by the next run of that output.
 */
class OneRunPerOutputTest {
    @TempDir
    static Path catalog;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeCatalog() {
        new SyntheticCatalog(new CatalogSpec(2000, 300, 16, 20, 0.5, 3, 0.05, 5)).write(catalog);
    }

    private static List<Object> mine(Path output) {
        return new ArrayList<>(List.of("mine", "--corpus", catalog.resolve("corpus.qvec"), "--queries",
                catalog.resolve("queries.qvec"), "--qrels", catalog.resolve("qrels.tsv"), "--range-max", 30,
                "--output", output));
    }

    @Test
    void aSecondRunOnTheSameOutputFailsAtOnceNamingTheHolder() throws Exception {
        Path out = dir.resolve("mined.jsonl");
        List<Object> args = mine(out);
        args.addAll(List.of("--block-size", "8"));
        Process holder = new ProcessBuilder(ChildQuarry.paused(200, args))
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            Path lock = OutputLock.lockFileOf(out);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(lock) && Files.size(lock) > 0) && holder.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(holder.isAlive(), () -> "the first run ended too early: " + log());
            long start = System.nanoTime();
            CliRun second = CliRun.of(mine(out).toArray());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "fails at once, not after mining");
            assertEquals(ExitCodes.DATA, second.exitCode(), second::toString);
            assertTrue(second.err().contains("output=being written by another run (pid " + holder.pid()), second::toString);
        } finally {
            holder.destroyForcibly();
            holder.waitFor(30, TimeUnit.SECONDS);
        }
        // The holder was killed: its lock died with it, and the next run takes the output over.
        CliRun after = CliRun.of(mine(out).toArray());
        assertEquals(0, after.exitCode(), after::toString);
        assertEquals(List.of(), AtomicOutput.tempsOf(out), "the killed run's temp file was cleaned up");
        assertFalse(Files.exists(OutputLock.lockFileOf(out)), "the lock file goes with the run");
    }

    @Test
    void aSecondClaimInTheSameProcessFailsToo() {
        Path out = dir.resolve("same.jsonl");
        try (OutputLock first = OutputLock.acquire(out)) {
            QuarryDataException e = assertThrows(QuarryDataException.class, () -> OutputLock.acquire(out));
            assertTrue(e.getMessage().contains("another run in this process"), e.getMessage());
            assertTrue(Files.exists(OutputLock.lockFileOf(out)), "the first claim still holds its lock file");
        }
        try (OutputLock again = OutputLock.acquire(out)) {
            assertEquals(out, again.output(), "released, so it can be claimed again");
        }
    }

    @Test
    void tempNamesAreUniquePerWriter() {
        Path target = dir.resolve("x.jsonl");
        try (AtomicOutput a = AtomicOutput.create(target); AtomicOutput b = AtomicOutput.create(target)) {
            assertNotEquals(a.temp(), b.temp());
        }
        assertEquals(List.of(), AtomicOutput.tempsOf(target));
    }

    @Test
    void theNextIndexBuildDeletesTheTempFileOfAKilledOne() throws IOException {
        Path index = dir.resolve("corpus.qivf");
        // What `kill -9` during a build leaves: a temp file of a process that no longer exists.
        Path stale = index.resolveSibling("corpus.qivf.quarry-999999-1.tmp");
        Files.write(stale, new byte[1 << 20]);
        Path legacy = index.resolveSibling("corpus.qivf.tmp");
        Files.write(legacy, new byte[1024]);
        Path unrelated = Files.write(index.resolveSibling("corpus.qivf.notes.tmp"), new byte[] {1});
        CliRun run = CliRun.of("index", "build", "--store", catalog.resolve("corpus.qvec"), "--nlist", 16, "--output",
                index);
        assertEquals(0, run.exitCode(), run::toString);
        assertFalse(Files.exists(stale), "stale temp deleted");
        assertFalse(Files.exists(legacy), "the single temp name of earlier versions too");
        assertTrue(Files.exists(unrelated), "files that are not Quarry's temp files stay");
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("child.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
