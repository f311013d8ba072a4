package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import dev.quarry.testing.TestFiles;
import dev.quarry.testing.TestVectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quarry mine} as a user runs it, and every bad input it must explain. */
class MineCommandTest {
    @TempDir
    static Path catalog;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeCatalog() {
        new SyntheticCatalog(new CatalogSpec(2000, 300, 16, 20, 0.5, 3, 0.05, 5)).write(catalog);
    }

    private static List<Object> base(Path output) {
        return new ArrayList<>(List.of("mine", "--corpus", catalog.resolve("corpus.qvec"), "--queries",
                catalog.resolve("queries.qvec"), "--qrels", catalog.resolve("qrels.tsv"), "--output", output));
    }

    private static CliRun mine(List<Object> args) {
        return CliRun.of(args.toArray());
    }

    @Test
    void minesTextsIntoNTuplesAndPrintsTheSummary() throws IOException {
        Path out = dir.resolve("mined.jsonl");
        List<Object> args = base(out);
        args.addAll(List.of("--corpus-text", catalog.resolve("corpus.jsonl"), "--queries-text",
                catalog.resolve("queries.jsonl"), "--num-negatives", 4, "--range-min", 2, "--range-max", 50,
                "--output-format", "n-tuple", "--threads", 2));
        CliRun run = mine(args);
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("anchors mined          300"), run::toString);
        assertTrue(run.out().contains("settings               num-negatives=4 range=[2, 50)"), run::toString);
        assertTrue(run.out().contains("positive scores"), run::toString);
        List<String> lines = Files.readAllLines(out);
        assertFalse(lines.isEmpty());
        assertTrue(lines.getFirst().startsWith("{\"anchor\":\"query 0, about document "), lines.getFirst());
        assertTrue(lines.getFirst().contains("\"negative_4\":\"document "), lines.getFirst());
        assertTrue(Files.exists(dir.resolve("mined.jsonl.summary.json")));
        assertTrue(run.err().contains("mine: 300/300 anchors"), "progress on stderr: " + run);
    }

    @Test
    void noDefencesGivesThePlainShapeButExplicitOptionsStillApply() {
        List<Object> plain = base(dir.resolve("plain.jsonl"));
        plain.add("--no-defences");
        CliRun run = mine(plain);
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("range=[0, 100) min-score=off max-score=off absolute-margin=off "
                + "relative-margin=off near-duplicate=off"), run::toString);
        List<Object> mixed = base(dir.resolve("mixed.jsonl"));
        mixed.addAll(List.of("--no-defences", "--near-duplicate", 0.85));
        CliRun partly = mine(mixed);
        assertTrue(partly.out().contains("range=[0, 100) min-score=off max-score=off absolute-margin=off "
                + "relative-margin=off near-duplicate=0.85"), partly::toString);
        CliRun defaults = mine(base(dir.resolve("defaults.jsonl")));
        assertTrue(defaults.out().contains("range=[10, 100) min-score=off max-score=off absolute-margin=off "
                + "relative-margin=0.05 near-duplicate=0.9"), defaults::toString);
    }

    @Test
    void anchorsThatAreCorpusRowsNeverGetThemselvesAsNegatives() throws IOException {
        // Documents paired with documents: anchors are corpus rows, so each anchor's own row (its best
        // match, score 1) must be excluded like a positive.
        Path qrels = Files.writeString(dir.resolve("doc-pairs.tsv"), "d0\td1\nd2\td3\nd4\td5\n");
        Path out = dir.resolve("self.jsonl");
        CliRun run = CliRun.of("mine", "--corpus", catalog.resolve("corpus.qvec"), "--qrels", qrels,
                "--relative-margin", 0, "--num-negatives", 5, "--output-format", "flag", "--output", out);
        assertEquals(0, run.exitCode(), run::toString);
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size());
        for (int a = 0; a < 3; a++) {
            String line = lines.get(a);
            assertTrue(line.startsWith("{\"query\":\"d" + 2 * a + "\""), line);
            String negatives = line.substring(line.indexOf("\"neg\":["), line.indexOf(']', line.indexOf("\"neg\":[")));
            assertEquals(5, negatives.split(",").length, line);
            assertFalse(List.of(negatives.substring(7).split(",")).contains("\"d" + 2 * a + "\""),
                    "the anchor itself is not among its negatives: " + line);
        }
    }

    @Test
    void unknownQrelsIdsAreCountedOrFailUnderStrict() throws IOException {
        Path qrels = dir.resolve("qrels.tsv");
        Files.writeString(qrels, Files.readString(catalog.resolve("qrels.tsv")) + "q1\td999999\t1\nq1\td3\t1\nq1\td3\t1\n");
        List<Object> args = base(dir.resolve("a.jsonl"));
        args.set(args.indexOf(catalog.resolve("qrels.tsv")), qrels);
        CliRun counted = mine(args);
        assertEquals(0, counted.exitCode(), counted::toString);
        assertTrue(counted.out().contains("1 duplicates, 0 unknown anchor ids, 1 unknown doc ids (first: d999999"),
                counted::toString);
        args.add("--strict");
        CliRun strict = mine(args);
        assertEquals(ExitCodes.DATA, strict.exitCode(), strict::toString);
        assertTrue(strict.err().startsWith("quarry: " + qrels + ": line 301 doc id=d999999, expected an id of the"),
                strict::toString);
    }

    @Test
    void anchorsWithoutAPositiveAreSkippedOrFailUnderStrict() throws IOException {
        Path qrels = dir.resolve("few.tsv");
        Files.writeString(qrels, "q0\td1\t1\nq1\td2\t1\n");
        Path anchors = Files.writeString(dir.resolve("anchors.txt"), "q0\nq5\nq1\nnope\n");
        List<Object> args = base(dir.resolve("b.jsonl"));
        args.set(args.indexOf(catalog.resolve("qrels.tsv")), qrels);
        args.addAll(List.of("--anchors", anchors));
        CliRun run = mine(args);
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("anchors mined          2"), run::toString);
        assertTrue(run.out().contains("4 listed, 1 unknown ids, 1 without a positive (skipped)"), run::toString);
        args.add("--strict");
        CliRun strict = mine(args);
        assertEquals(ExitCodes.DATA, strict.exitCode(), strict::toString);
        assertTrue(strict.err().contains(anchors + ": line 2 anchor q5 positives=0, expected at least one labelled"),
                strict::toString);
    }

    @Test
    void optionsBeyondTheCorpusAreUsageErrors() {
        List<Object> tooMany = base(dir.resolve("c.jsonl"));
        tooMany.addAll(List.of("--num-negatives", 20, "--range-min", 0, "--range-max", 10));
        CliRun a = mine(tooMany);
        assertEquals(ExitCodes.USAGE, a.exitCode(), a::toString);
        assertTrue(a.err().contains("--num-negatives=20, expected at most --range-max - --range-min = 10"), a::toString);

        List<Object> deep = base(dir.resolve("d.jsonl"));
        deep.addAll(List.of("--range-max", 1_000_000));
        CliRun b = mine(deep);
        assertEquals(ExitCodes.USAGE, b.exitCode(), b::toString);
        assertTrue(b.err().contains("--range-max=1000000, expected at most the corpus size"), b::toString);
        assertEquals(List.of(), TestFiles.list(dir), "nothing written");
    }

    @Test
    void dimensionMismatchNamesBothFiles() {
        Path queries = TestFiles.qvec(dir.resolve("q8.qvec"), TestVectors.rows(new SplittableRandom(1), 300, 8), false);
        List<Object> args = base(dir.resolve("e.jsonl"));
        args.set(args.indexOf(catalog.resolve("queries.qvec")), queries);
        CliRun run = mine(args);
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().startsWith("quarry: " + queries + ": dim=8, expected 16 as in " + catalog.resolve("corpus.qvec")),
                run::toString);
    }

    @Test
    void malformedJsonlQrelsNameFileAndLine() throws IOException {
        Path qrels = Files.writeString(dir.resolve("q.jsonl"), "{\"anchor\": \"q0\", \"positives\": [\"d1\"]}\n{oops\n");
        List<Object> args = base(dir.resolve("f.jsonl"));
        args.set(args.indexOf(catalog.resolve("qrels.tsv")), qrels);
        CliRun run = mine(args);
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().startsWith("quarry: " + qrels + ": line 2='{oops' ("), run::toString);
    }

    @Test
    void unwritableOutputDirectoryFailsBeforeMining() {
        Path out = dir.resolve("no/such/dir/mined.jsonl");
        CliRun run = mine(base(out));
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().startsWith("quarry: " + out + ": output=directory "), run::toString);
        assertFalse(run.err().contains("mine: "), "failed before any mining");
    }
}
