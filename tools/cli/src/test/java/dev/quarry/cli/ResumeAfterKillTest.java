package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.files.AtomicOutput;
import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code quarry mine} child process is killed with SIGKILL mid-run; {@code --resume} finishes it
 * and the output is byte-identical to an uninterrupted run. Resuming with other options is refused.
 */
class ResumeAfterKillTest {
    @TempDir
    Path dir;

    private List<String> mineArgs(Path catalog, Path output, String numNegatives) {
        return new ArrayList<>(List.of("mine", "--corpus", catalog.resolve("corpus.qvec").toString(), "--queries",
                catalog.resolve("queries.qvec").toString(), "--qrels", catalog.resolve("qrels.tsv").toString(),
                "--corpus-text", catalog.resolve("corpus.jsonl").toString(), "--output-format", "flag",
                "--output-scores", "--num-negatives", numNegatives, "--sampling-strategy", "random",
                "--block-size", "32", "--checkpoint-seconds", "0", "--threads", "2", "--output", output.toString()));
    }

    @Test
    void sigkillMidRunThenResumeGivesTheSameBytes() throws IOException, InterruptedException {
        Path catalog = Files.createDirectories(dir.resolve("catalog"));
        new SyntheticCatalog(new CatalogSpec(3000, 640, 16, 30, 0.5, 3, 0.05, 13)).write(catalog);
        Path whole = dir.resolve("whole.jsonl");
        CliRun uninterrupted = CliRun.of(mineArgs(catalog, whole, "5").toArray());
        assertEquals(0, uninterrupted.exitCode(), uninterrupted::toString);

        Path killed = dir.resolve("killed.jsonl");
        Path checkpoint = dir.resolve("killed.jsonl.checkpoint");
        List<String> args = mineArgs(catalog, killed, "5");
        List<String> child = ChildQuarry.paused(100, args); // 20 blocks: about 2 s, so the kill lands mid-run
        Process process = new ProcessBuilder(child).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(checkpoint) && process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(process.isAlive(), () -> "the child finished before it could be killed: " + log());
        Thread.sleep(250);
        process.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, process.exitValue(), "killed by SIGKILL");
        assertFalse(Files.exists(killed), "nothing under the final name after a kill");
        assertEquals(1, AtomicOutput.tempsOf(killed).size(), "the killed run's partial output is kept for --resume");

        List<String> otherOptions = mineArgs(catalog, killed, "4");
        otherOptions.add("--resume");
        CliRun refused = CliRun.of(otherOptions.toArray());
        assertEquals(ExitCodes.DATA, refused.exitCode(), refused::toString);
        assertTrue(refused.err().contains("configuration=different") && refused.err().contains("num-negatives=5"),
                refused::toString);

        List<String> resume = mineArgs(catalog, killed, "5");
        resume.add("--resume");
        CliRun resumed = CliRun.of(resume.toArray());
        assertEquals(0, resumed.exitCode(), resumed::toString);
        assertTrue(resumed.out().contains("[resumed at block "), resumed::toString);
        assertEquals(-1, Files.mismatch(whole, killed), "byte-identical to the uninterrupted run");
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("child.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
