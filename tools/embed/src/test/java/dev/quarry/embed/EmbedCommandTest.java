package dev.quarry.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.cli.CliRun;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.quarry.TestHooks;
import dev.quarry.pipeline.Checkpoint;
import dev.quarry.store.VectorStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quarry embed}: what it writes, how it resumes, and what it refuses. */
class EmbedCommandTest {
    @TempDir
    Path dir;

    static Path jsonl(Path file, List<String> texts) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            lines.add("{\"id\": \"doc-" + i + "\", \"text\": \""
                    + new String(JsonStringEncoder.getInstance().quoteAsString(texts.get(i))) + "\"}");
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    static float[] rows(VectorStore store) {
        float[] all = new float[(int) store.count() * store.dim()];
        float[] row = new float[store.dim()];
        for (int i = 0; i < store.count(); i++) {
            store.copyRow(i, row);
            System.arraycopy(row, 0, all, i * store.dim(), row.length);
        }
        return all;
    }

    @Test
    void writesOneNormalizedRowPerLineWithItsIdsAndTheEncodersVectors() throws IOException {
        List<String> texts = RealTexts.sample(40);
        Path input = jsonl(dir.resolve("texts.jsonl"), texts);
        Path output = dir.resolve("texts.qvec");
        CliRun run = CliRun.of("embed", "--input", input, "--output", output, "--batch", "8", "--threads", "2");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("embedded 40 texts (minilm, d=384, mean pooling, normalized"), run.out());
        assertTrue(run.err().matches("(?s).*texts/(s|min|h)\\b.*"), "progress with a rate: " + run.err());
        List<String> ids = Files.readAllLines(EmbedRun.idsOf(output));
        assertEquals(40, ids.size());
        assertEquals("doc-0", ids.getFirst());
        assertEquals("doc-39", ids.getLast());
        try (VectorStore store = VectorStore.open(output);
             SentenceEncoder encoder = SentenceEncoder.open(ModelSource.resolve("minilm"), 2, 256, 8)) {
            assertEquals(40, store.count());
            assertEquals(384, store.dim());
            assertTrue(store.normalized());
            float[] expected = new float[40 * 384];
            encoder.encode(texts.toArray(String[]::new), expected);
            assertArrayEquals(expected, rows(store), 1e-6f);
        }
    }

    @Test
    void aKilledRunResumesToTheBytesOfAnUninterruptedOne() throws IOException {
        List<String> texts = RealTexts.sample(100);
        Path input = jsonl(dir.resolve("texts.jsonl"), texts);
        Path whole = dir.resolve("whole.qvec");
        Path resumed = dir.resolve("resumed.qvec");
        assertEquals(0, CliRun.of("embed", "--input", input, "--output", whole, "--batch", "2").exitCode());

        // Windows of 64 texts (32 batches of 2): stopped after the first, as a kill after its checkpoint.
        System.setProperty(TestHooks.STOP_AFTER_WINDOWS, "1");
        CliRun stopped;
        try {
            stopped = CliRun.of("embed", "--input", input, "--output", resumed, "--batch", "2", "--checkpoint-seconds",
                    "0");
        } finally {
            System.clearProperty(TestHooks.STOP_AFTER_WINDOWS);
        }
        assertNotEquals(0, stopped.exitCode(), stopped.toString());
        assertFalse(Files.exists(resumed));
        assertTrue(Files.isRegularFile(Checkpoint.pathFor(resumed)));

        CliRun different = CliRun.of("embed", "--input", input, "--output", resumed, "--batch", "2", "--prefix", "x: ",
                "--resume");
        assertEquals(3, different.exitCode(), different.toString());
        assertTrue(different.err().contains("prefix"), different.err());

        CliRun resume = CliRun.of("embed", "--input", input, "--output", resumed, "--batch", "2", "--resume");
        assertEquals(0, resume.exitCode(), resume.toString());
        assertTrue(resume.out().contains("resumed at row 64"), resume.out());
        assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(resumed));
        assertArrayEquals(Files.readAllBytes(EmbedRun.idsOf(whole)), Files.readAllBytes(EmbedRun.idsOf(resumed)));
        assertFalse(Files.exists(Checkpoint.pathFor(resumed)));
    }

    @Test
    void aKilledRunResumesFromItsInputReachedThroughALinkOrAnotherDirectory() throws IOException {
        Path real = Files.createDirectories(dir.resolve("real"));
        Path input = jsonl(real.resolve("texts.jsonl"), RealTexts.sample(100));
        Path viaLink = Files.createSymbolicLink(dir.resolve("link.jsonl"), input);
        Path viaOtherDirectory = Files.createSymbolicLink(dir.resolve("alias"), real).resolve("texts.jsonl");
        Path whole = dir.resolve("whole.qvec");
        Path resumed = dir.resolve("resumed.qvec");
        assertEquals(0, CliRun.of("embed", "--input", input, "--output", whole, "--batch", "2").exitCode());

        stopAfterOneWindow(viaLink, resumed);
        CliRun resume = CliRun.of("embed", "--input", viaOtherDirectory, "--output", resumed, "--batch", "2",
                "--resume");
        assertEquals(0, resume.exitCode(), resume.toString());
        assertTrue(resume.out().contains("resumed at row 64"), resume.out());
        assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(resumed));
        assertArrayEquals(Files.readAllBytes(EmbedRun.idsOf(whole)), Files.readAllBytes(EmbedRun.idsOf(resumed)));

        // The same path with other content, of the same size: not the input the checkpoint was written for.
        Path again = dir.resolve("again.qvec");
        stopAfterOneWindow(input, again);
        String text = Files.readString(input);
        Files.writeString(input, text.replaceFirst("doc-5\"", "doc-X\""));
        assertEquals(text.length(), Files.readString(input).length());
        CliRun changed = CliRun.of("embed", "--input", viaLink, "--output", again, "--batch", "2", "--resume");
        assertEquals(3, changed.exitCode(), changed.toString());
        assertTrue(changed.err().contains("checkpoint has input=" + input.toRealPath() + " size=" + text.length()
                + " checksum="), changed.err());
    }

    /** Runs embed until its first window of 64 texts is written and checkpointed, then fails as a kill would. */
    private static void stopAfterOneWindow(Path input, Path output) {
        System.setProperty(TestHooks.STOP_AFTER_WINDOWS, "1");
        try {
            CliRun stopped = CliRun.of("embed", "--input", input, "--output", output, "--batch", "2",
                    "--checkpoint-seconds", "0");
            assertNotEquals(0, stopped.exitCode(), stopped.toString());
        } finally {
            System.clearProperty(TestHooks.STOP_AFTER_WINDOWS);
        }
        assertTrue(Files.isRegularFile(Checkpoint.pathFor(output)));
    }

    @Test
    void refusesTwoLinesWithOneIdBeforeWritingAnything() throws IOException {
        Path input = Files.writeString(dir.resolve("t.jsonl"), "{\"id\": \"a\", \"text\": \"one\"}\n"
                + "{\"id\": \"b\", \"text\": \"two\"}\n\n{\"_id\": \"a\", \"text\": \"three\"}\n");
        CliRun run = CliRun.of("embed", "--input", input, "--output", dir.resolve("t.qvec"));
        assertEquals(3, run.exitCode(), run.toString());
        assertTrue(run.err().contains(input + ": line 4 id=a, expected an id no other line has (line 1 has it too)"),
                run.err());
        assertEquals(List.of(input), filesIn(dir), "nothing written");
    }

    @Test
    void refusesBytesThatAreNotUtf8NamingTheLineAndOffsetUnlessAskedToReplaceThem() throws IOException {
        byte[] first = "{\"id\": \"a\", \"text\": \"hello\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] second = "{\"id\": \"b\", \"text\": \"caf\u00e9 ".getBytes(StandardCharsets.UTF_8);
        byte[] bad = {(byte) 0xe9, 'x', '"', '}', '\n'}; // Latin-1's é: a lead byte without its continuation
        Path input = dir.resolve("t.jsonl");
        Files.write(input, concat(first, second, bad));
        CliRun refused = CliRun.of("embed", "--input", input, "--output", dir.resolve("t.qvec"));
        assertEquals(3, refused.exitCode(), refused.toString());
        assertTrue(refused.err().contains(input + ": line 2 byte offset " + (first.length + second.length) + " (byte "
                + (second.length + 1) + " of the line)=0xe9 (not UTF-8), expected UTF-8 text (quarry embed"
                + " --on-invalid-utf8 replace reads such bytes as U+FFFD instead)"), refused.err());
        assertEquals(List.of(input), filesIn(dir), "nothing written");

        CliRun unknown = CliRun.of("embed", "--input", input, "--output", dir.resolve("t.qvec"), "--on-invalid-utf8",
                "ignore");
        assertEquals(2, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("--on-invalid-utf8=ignore, expected refuse or replace"), unknown.err());

        Path output = dir.resolve("t.qvec");
        CliRun replaced = CliRun.of("embed", "--input", input, "--output", output, "--on-invalid-utf8", "replace");
        assertEquals(0, replaced.exitCode(), replaced.toString());
        assertRowsAreTheVectorsOf(output, "minilm", "hello", "caf\u00e9 \ufffdx");
    }

    /** Asserts that {@code store} holds the vectors {@code model} gives {@code texts}, in order (384-d models). */
    private static void assertRowsAreTheVectorsOf(Path store, String model, String... texts) {
        try (VectorStore written = VectorStore.open(store);
             SentenceEncoder encoder = SentenceEncoder.open(ModelSource.resolve(model), 2, 256, 0)) {
            float[] expected = new float[texts.length * 384];
            encoder.encode(texts, expected);
            assertArrayEquals(expected, rows(written), 1e-6f);
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    private static List<Path> filesIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.sorted().toList();
        }
    }

    @Test
    void refusesAModelDirectoryWithoutPoolingConfig() throws IOException {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.write(model.resolve("model.onnx"), new byte[] {1, 2, 3});
        Files.writeString(model.resolve("tokenizer.json"), "{}");
        Path input = jsonl(dir.resolve("t.jsonl"), List.of("hello"));
        CliRun run = CliRun.of("embed", "--input", input, "--output", dir.resolve("t.qvec"), "--model", model);
        assertEquals(3, run.exitCode(), run.toString());
        assertTrue(run.err().contains("pooling") && run.err().contains("1_Pooling/config.json"), run.err());
    }

    @Test
    void refusesAModelDirectoryWhosePoolingItCannotDo() throws IOException {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.write(model.resolve("model.onnx"), new byte[] {1, 2, 3});
        Files.writeString(model.resolve("tokenizer.json"), "{}");
        Files.createDirectories(model.resolve("1_Pooling"));
        Files.writeString(model.resolve("1_Pooling/config.json"), "{\"word_embedding_dimension\": 384,"
                + " \"pooling_mode_cls_token\": false, \"pooling_mode_mean_tokens\": false,"
                + " \"pooling_mode_max_tokens\": true}");
        CliRun run = CliRun.of("embed", "--input", jsonl(dir.resolve("t.jsonl"), List.of("hello")), "--output",
                dir.resolve("t.qvec"), "--model", model);
        assertEquals(3, run.exitCode(), run.toString());
        assertTrue(run.err().contains("pooling_mode_max_tokens"), run.err());
    }

    @Test
    void refusesAGraphItCannotRead() throws IOException {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.write(model.resolve("model.onnx"), new byte[] {1, 2, 3});
        Files.copy(ModelSource.resolve("minilm").tokenizer().open(), model.resolve("tokenizer.json"));
        Files.createDirectories(model.resolve("1_Pooling"));
        Files.writeString(model.resolve("1_Pooling/config.json"), "{\"pooling_mode_mean_tokens\": true}");
        CliRun run = CliRun.of("embed", "--input", jsonl(dir.resolve("t.jsonl"), List.of("hello")), "--output",
                dir.resolve("t.qvec"), "--model", model);
        assertEquals(3, run.exitCode(), run.toString());
        assertTrue(run.err().contains("ONNX graph") && run.err().contains("model.onnx"), run.err());
    }

    @Test
    void refusesAnUnknownModelName() throws IOException {
        CliRun run = CliRun.of("embed", "--input", jsonl(dir.resolve("t.jsonl"), List.of("hello")), "--output",
                dir.resolve("t.qvec"), "--model", "gpt-17");
        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains("minilm, bge-small, e5-small"), run.err());
    }

    @Test
    void embedsAChosenFieldWithAPrefix() throws IOException {
        Path input = dir.resolve("q.jsonl");
        Files.writeString(input, "{\"_id\": \"a\", \"query\": \"how do I join paths\"}\n"
                + "{\"_id\": \"b\", \"query\": \"read a file line by line\"}\n");
        Path output = dir.resolve("q.qvec");
        CliRun run = CliRun.of("embed", "--input", input, "--output", output, "--field", "query", "--prefix", "query: ",
                "--model", "e5-small");
        assertEquals(0, run.exitCode(), run.toString());
        assertRowsAreTheVectorsOf(output, "e5-small", "query: how do I join paths", "query: read a file line by line");
        CliRun missing = CliRun.of("embed", "--input", input, "--output", dir.resolve("r.qvec"), "--field", "title");
        assertEquals(3, missing.exitCode(), missing.toString());
        assertTrue(missing.err().contains("\"title\" string"), missing.err());
    }
}
