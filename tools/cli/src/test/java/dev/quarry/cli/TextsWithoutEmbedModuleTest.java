package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without the embed module on the class path, commands given texts to embed say how to get it. */
class TextsWithoutEmbedModuleTest {
    @TempDir
    Path dir;

    @Test
    void mineFromTextsNamesTheModuleItNeeds() throws IOException {
        Path corpus = Files.writeString(dir.resolve("c.jsonl"), "{\"id\": \"a\", \"text\": \"x\"}\n");
        Path qrels = Files.writeString(dir.resolve("q.tsv"), "a\ta\n");
        CliRun run = CliRun.of("mine", "--corpus-text", corpus, "--qrels", qrels, "--output", dir.resolve("m.jsonl"));
        assertEquals(ExitCodes.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("needs the tools/embed module") && run.err().contains("./quarry"), run.err());
    }

    @Test
    void textDemoNamesTheModuleItNeeds() {
        CliRun run = CliRun.of("demo", "--texts");
        assertEquals(ExitCodes.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("demo --texts needs the tools/embed module"), run.err());
    }

    @Test
    void crossModelNeedsTextsToEmbed() {
        CliRun run = CliRun.of("mine", "--corpus", dir.resolve("c.qvec"), "--qrels", dir.resolve("q.tsv"),
                "--cross-model", "bge-small", "--output", dir.resolve("m.jsonl"));
        assertEquals(ExitCodes.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("--cross-model goes with texts"), run.err());
    }
}
