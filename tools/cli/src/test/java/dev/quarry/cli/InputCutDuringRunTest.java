package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An input cut while {@code quarry mine} reads it (a trainer rewriting its file in place): the read past the
 * new end is a fault the JVM turns into an error, and the run ends with exit 3 naming the file and both
 * sizes, never a JVM crash or a stack trace, and publishes nothing.
 */
class InputCutDuringRunTest {
    @TempDir
    Path dir;

    @Test
    void aCorpusCutMidRunEndsTheRunWithExit3NamingIt() throws IOException, InterruptedException {
        Path catalog = Files.createDirectories(dir.resolve("catalog"));
        new SyntheticCatalog(new CatalogSpec(3000, 640, 16, 30, 0.5, 3, 0.05, 13)).write(catalog);
        Path corpus = catalog.resolve("corpus.qvec");
        long size = Files.size(corpus);
        Path output = dir.resolve("mined.jsonl");
        Path checkpoint = dir.resolve("mined.jsonl.checkpoint");
        List<String> args = List.of("mine", "--corpus", corpus.toString(), "--queries",
                catalog.resolve("queries.qvec").toString(), "--qrels", catalog.resolve("qrels.tsv").toString(),
                "--block-size", "32", "--checkpoint-seconds", "0", "--threads", "1",
                "--output", output.toString());
        Process process = new ProcessBuilder(ChildQuarry.paused(200, args)).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(checkpoint) && process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20); // the first block is written: the run is reading the corpus, 19 blocks to go
        }
        assertTrue(process.isAlive(), () -> "the run ended before the corpus could be cut: " + log());
        try (FileChannel file = FileChannel.open(corpus, StandardOpenOption.WRITE)) {
            file.truncate(size / 3);
        }
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the run ends");
        String log = log();
        assertEquals(ExitCodes.DATA, process.exitValue(), log);
        assertTrue(log.contains("quarry: " + corpus + ": size=" + size / 3 + " bytes, expected " + size + " bytes,"
                + " its size when this run mapped it (the file was cut or rewritten in place while Quarry read it"), log);
        assertFalse(log.contains("\tat ") || log.contains("SIGBUS") || log.contains("A fatal error"), log);
        assertFalse(Files.exists(output), "nothing published");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList());
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("child.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
