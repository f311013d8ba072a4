package dev.quarry.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.cli.CliRun;
import dev.quarry.cli.PythonDocstrings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quarry mine} and {@code quarry demo} given texts: embedded, cached, mined, written as texts. */
class MineFromTextsTest {
    @TempDir
    Path dir;

    /** 40 docstrings (their first 300 characters) as the corpus, 20 summaries as queries, labelled. */
    private void catalog() throws IOException {
        List<PythonDocstrings.Entry> all = RealTexts.docstrings().stream().filter(PythonDocstrings.Entry::hasBody)
                .toList();
        List<String> docs = new ArrayList<>();
        List<String> queries = new ArrayList<>();
        List<String> qrels = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            PythonDocstrings.Entry e = all.get(i * (all.size() / 40));
            String doc = e.doc().length() > 300 ? e.doc().substring(0, 300) : e.doc();
            docs.add("{\"id\": \"" + e.name() + "\", \"text\": " + quote(doc) + "}");
            if (i % 2 == 0) {
                queries.add("{\"id\": \"q-" + i + "\", \"text\": " + quote(e.summary()) + "}");
                qrels.add("q-" + i + "\t" + e.name());
            }
        }
        Files.write(dir.resolve("corpus.jsonl"), docs, StandardCharsets.UTF_8);
        Files.write(dir.resolve("queries.jsonl"), queries, StandardCharsets.UTF_8);
        Files.write(dir.resolve("qrels.tsv"), qrels, StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        return "\"" + new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }

    private CliRun mine(String output, String... more) {
        List<Object> args = new ArrayList<>(List.of("mine", "--corpus-text", dir.resolve("corpus.jsonl"),
                "--queries-text", dir.resolve("queries.jsonl"), "--qrels", dir.resolve("qrels.tsv"), "--range-min", "0", "--range-max", "30",
                "--output", dir.resolve(output)));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray());
    }

    private long cacheFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".qvec")).count();
        }
    }

    @Test
    void minesTextsEmbeddedOnceAndWritesTexts() throws IOException {
        catalog();
        CliRun first = mine("mined.jsonl", "--model", "minilm");
        assertEquals(0, first.exitCode(), first.toString());
        assertTrue(first.err().contains("embed corpus.jsonl with minilm"), first.err());
        assertEquals(2, cacheFiles(), "corpus and queries embedded beside the texts");
        String line = Files.readAllLines(dir.resolve("mined.jsonl")).getFirst();
        assertTrue(line.startsWith("{\"anchor\":\"") && !line.contains("\"q-"), "texts, not ids: " + line);
        assertTrue(first.out().contains("anchors mined          20"), first.out());

        CliRun again = mine("again.jsonl");
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.err().contains("reusing") && !again.err().contains("embed corpus.jsonl with"), again.err());
        assertEquals(Files.readString(dir.resolve("mined.jsonl")), Files.readString(dir.resolve("again.jsonl")));

        // Changed texts: another key, embedded again (the stale cache is never read).
        Files.writeString(dir.resolve("corpus.jsonl"), "{\"id\": \"extra\", \"text\": \"an extra document\"}\n",
                java.nio.file.StandardOpenOption.APPEND);
        CliRun changed = mine("changed.jsonl");
        assertEquals(0, changed.exitCode(), changed.toString());
        assertTrue(changed.err().contains("embed corpus.jsonl with minilm: 41/41"), changed.err());
        assertFalse(changed.err().contains("embed queries.jsonl with"), "queries unchanged: " + changed.err());
    }

    @Test
    void crossModelAgreementWithASecondRealModel() throws IOException {
        catalog();
        CliRun run = mine("cross.jsonl", "--cross-model", "bge-small");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.err().contains("embed corpus.jsonl with bge-small"), run.err());
        assertTrue(run.out().contains("anchors mined          20"), run.out());
        CliRun wrong = mine("wrong.jsonl", "--cross-model", "bge-small", "--strategy", "in-batch", "--batch-size", "4");
        assertEquals(2, wrong.exitCode(), wrong.toString());
        assertTrue(wrong.err().contains("--cross-model selects the cross-model strategy"), wrong.err());
    }

    @Test
    void textDemoCountsKnownDuplicatesAsFalseNegatives() {
        CliRun run = CliRun.of("demo", "--texts", "--docs", "60", "--workdir", dir.resolve("demo"));
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("no defence (plain top-k)") && run.out().contains("defaults (skip 10"),
                run.out());
        assertTrue(Files.isRegularFile(dir.resolve("demo/truth.tsv")));
        assertTrue(run.out().contains("known unlabelled positives:"), run.out());
    }
}
