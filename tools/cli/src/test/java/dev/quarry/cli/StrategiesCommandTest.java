package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.store.VectorStore;
import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import dev.quarry.testing.TestFiles;
import dev.quarry.testing.TestVectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quarry mine --strategy run-file | in-batch | cross-model} and their bad inputs. */
class StrategiesCommandTest {
    @TempDir
    static Path catalog;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeCatalog() {
        SyntheticCatalog c = new SyntheticCatalog(new CatalogSpec(3000, 256, 32, 30, 0.5, 3, 0.05, 21));
        c.write(catalog);
        c.writeSecondModel(catalog, 0.5);
    }

    @Test
    void runFileMiningNeedsNoEmbeddingsAndSkipsPositives() throws IOException {
        Path run = Files.writeString(dir.resolve("run.trec"), """
                qa 0 dpos 1 9.0 bm25
                qa 0 d1 2 8.0 bm25
                qa 0 d2 3 7.0 bm25
                qa 0 d3 4 6.0 bm25
                qb Q0 d9 1 5.0 bm25
                qb Q0 nowhere 2 4.0 bm25
                qb Q0 d8 3 3.0 bm25
                """);
        Path qrels = Files.writeString(dir.resolve("qrels.tsv"), "qa\tdpos\t1\nqb\td7\t1\n");
        Path out = dir.resolve("run.jsonl");
        // --no-leave-out-short: qa keeps the one negative the margin leaves it (by default it would be left out)
        CliRun mined = CliRun.of("mine", "--strategy", "run-file", "--run", run, "--qrels", qrels, "--range-min", 0,
                "--range-max", 3, "--num-negatives", 2, "--relative-margin", 0.3, "--output-format", "flag",
                "--output-scores", "--output-ranks", "--no-leave-out-short", "--output", out);
        assertEquals(0, mined.exitCode(), mined::toString);
        List<String> lines = Files.readAllLines(out);
        // qa: the positive (9.0) is excluded; ranks d1 0, d2 1, d3 2; the margin keeps <= 9 x 0.7 = 6.3: d3
        assertEquals("{\"query\":\"qa\",\"pos\":[\"dpos\"],\"neg\":[\"d3\"],\"pos_scores\":[9.0],\"neg_scores\":[6.0],"
                + "\"negative_ranks\":[2]}", lines.get(0));
        // qb: its positive is not in the run, so the margin does not constrain it
        assertEquals("{\"query\":\"qb\",\"pos\":[\"d7\"],\"neg\":[\"d9\",\"nowhere\"],\"pos_scores\":[null],"
                + "\"neg_scores\":[5.0,4.0],\"negative_ranks\":[0,1]}", lines.get(1));
        assertTrue(mined.out().contains("near-duplicate filter off: no corpus embeddings"), mined::toString);
        assertTrue(mined.out().contains("run file " + run), mined::toString);
    }

    @Test
    void runFileIdsUnknownToTheCorpusAreCountedOrFailUnderStrict() throws IOException {
        Path run = Files.writeString(dir.resolve("run.jsonl"), "{\"anchor\": \"q1\", \"candidates\": [\"d5\", "
                + "\"ghost\", \"d6\", \"d7\", \"d8\", \"d9\", \"d10\", \"d11\", \"d12\", \"d13\", \"d14\", \"d15\"], "
                + "\"scores\": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.04, 0.03]}\n");
        Object[] args = {"mine", "--strategy", "run-file", "--run", run, "--corpus", catalog.resolve("corpus.qvec"),
            "--queries", catalog.resolve("queries.qvec"), "--qrels", catalog.resolve("qrels.tsv"),
            "--range-min", 1, "--relative-margin", 0, "--output", dir.resolve("o.jsonl")};
        CliRun counted = CliRun.of(args);
        assertEquals(0, counted.exitCode(), counted::toString);
        assertTrue(counted.out().contains("12 entries, 1 anchors ranked, 0 unknown anchor ids, 1 unknown doc ids"),
                counted::toString);
        List<Object> strict = new ArrayList<>(List.of(args));
        strict.add("--strict");
        CliRun failed = CliRun.of(strict.toArray());
        assertEquals(ExitCodes.DATA, failed.exitCode(), failed::toString);
        assertTrue(failed.err().contains(run + ": line 1 doc id=ghost, expected an id of the corpus; strict is on"),
                failed::toString);
    }

    @Test
    void inBatchNegativesAreOtherAnchorsPositivesAndBatchesAreHarderThanRandom() throws IOException {
        Path out = dir.resolve("batch.jsonl");
        Path order = dir.resolve("order.tsv");
        CliRun run = CliRun.of("mine", "--strategy", "in-batch", "--batch-size", 16, "--corpus",
                catalog.resolve("corpus.qvec"), "--queries", catalog.resolve("queries.qvec"), "--qrels",
                catalog.resolve("qrels.tsv"), "--range-min", 0, "--batch-order-output", order, "--output-format",
                "flag", "--output", out);
        assertEquals(0, run.exitCode(), run::toString);
        List<String> batches = Files.readAllLines(order);
        assertEquals("batch\tanchor", batches.getFirst());
        assertEquals(257, batches.size());
        Matcher m = Pattern.compile("in-batch: mean score of in-batch negatives (-?[\\d.]+) in these batches, "
                + "(-?[\\d.]+) in random batches").matcher(run.out());
        assertTrue(m.find(), run::toString);
        assertTrue(Double.parseDouble(m.group(1)) > Double.parseDouble(m.group(2)) + 0.05, run::toString);
        // every negative is the labelled positive of another anchor of the same batch
        List<String> qrels = Files.readAllLines(catalog.resolve("qrels.tsv"));
        for (String line : Files.readAllLines(out)) {
            String anchor = line.substring(line.indexOf("\"query\":\"") + 9, line.indexOf("\",\"pos\""));
            int batch = batchOf(batches, anchor);
            String negs = line.substring(line.indexOf("\"neg\":[") + 7, line.lastIndexOf(']'));
            for (String neg : negs.isEmpty() ? new String[0] : negs.split(",")) {
                String doc = neg.replace("\"", "");
                boolean fromBatch = qrels.stream().anyMatch(q -> q.endsWith("\t" + doc + "\t1")
                        && batchOf(batches, q.split("\t")[0]) == batch && !q.startsWith(anchor + "\t"));
                assertTrue(fromBatch, doc + " is a positive of another anchor in batch " + batch + ": " + line);
            }
        }
        CliRun tooBig = CliRun.of("mine", "--strategy", "in-batch", "--batch-size", 1000, "--corpus",
                catalog.resolve("corpus.qvec"), "--queries", catalog.resolve("queries.qvec"), "--qrels",
                catalog.resolve("qrels.tsv"), "--output", dir.resolve("x.jsonl"));
        assertEquals(ExitCodes.USAGE, tooBig.exitCode(), tooBig::toString);
        assertTrue(tooBig.err().contains("--batch-size=1000, expected 2 <= batch size <= the 256 anchors"),
                tooBig::toString);
    }

    private static final Pattern FLAG_LINE = Pattern.compile("\\{\"query\":\"q(\\d+)\",\"pos\":\\[([^]]*)],\"neg\":"
            + "\\[([^]]*)],\"pos_scores\":\\[[^]]*],\"neg_scores\":\\[([^]]*)],\"negative_ranks\":\\[([^]]*)]}");

    /** Anchor id to its negatives, from a flag-format file. */
    private static Map<String, List<String>> negatives(Path file) throws IOException {
        Map<String, List<String>> out = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            String anchor = line.substring(line.indexOf("\"query\":\"") + 9, line.indexOf("\",\"pos\""));
            String negs = line.substring(line.indexOf("\"neg\":[") + 7, line.indexOf(']', line.indexOf("\"neg\":[")));
            out.put(anchor, negs.isEmpty() ? List.of() : List.of(negs.replace("\"", "").split(",")));
        }
        return out;
    }

    /**
     * Checks every mined negative against both models' embeddings, by brute force: not a positive, ranked in
     * [10, 100) by both models (agreement 2) among the rows that are not positives, scored by neither above its
     * lowest positive, with the primary model's score. Returns anchor id to negatives.
     */
    private static Map<String, List<String>> checkAgreedByBothModels(Path file) throws IOException {
        float[][][] corpus = new float[2][][];
        float[][][] queries = new float[2][][];
        String[][] names = {{"corpus.qvec", "queries.qvec"}, {"corpus-b.qvec", "queries-b.qvec"}};
        for (int m = 0; m < 2; m++) {
            corpus[m] = rows(catalog.resolve(names[m][0]));
            queries[m] = rows(catalog.resolve(names[m][1]));
        }
        int mined = 0;
        Map<String, List<String>> out = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            Matcher m = FLAG_LINE.matcher(line);
            assertTrue(m.matches(), line);
            int anchor = Integer.parseInt(m.group(1));
            int[] positives = ordinals(m.group(2));
            int[] negatives = ordinals(m.group(3));
            out.put("q" + anchor, Arrays.stream(negatives).mapToObj(n -> "d" + n).toList());
            String[] scores = m.group(4).isEmpty() ? new String[0] : m.group(4).split(",");
            String[] ranks = m.group(5).isEmpty() ? new String[0] : m.group(5).split(",");
            for (int i = 0; i < negatives.length; i++) {
                int n = negatives[i];
                assertFalse(contains(positives, n), "a positive mined: " + line);
                int rank = Integer.parseInt(ranks[i]);
                assertTrue(rank >= 10 && rank < 100, "rank " + rank + ": " + line);
                for (int model = 0; model < 2; model++) {
                    double[] s = new double[corpus[model].length];
                    for (int r = 0; r < s.length; r++) {
                        s[r] = dot(queries[model][anchor], corpus[model][r]);
                    }
                    double lowestPositive = Arrays.stream(positives).mapToDouble(p -> s[p]).min().orElseThrow();
                    assertTrue(s[n] <= lowestPositive + 1e-5, "model " + model + " scores d" + n + " above a positive: "
                            + line);
                    // Its rank among the rows that are not positives, with room for float rounding at the edges.
                    int above = 0;
                    int atOrAbove = 0;
                    for (int r = 0; r < s.length; r++) {
                        if (r != n && !contains(positives, r)) {
                            above += s[r] > s[n] + 1e-5 ? 1 : 0;
                            atOrAbove += s[r] >= s[n] - 1e-5 ? 1 : 0;
                        }
                    }
                    assertTrue(atOrAbove >= 10 && above < 100, "model " + model + " ranks d" + n + " at " + above
                            + ".." + atOrAbove + ", outside [10, 100): " + line);
                    if (model == 0) {
                        assertEquals(s[n], Double.parseDouble(scores[i]), 1e-4, "the primary model's score: " + line);
                    }
                }
                mined++;
            }
        }
        assertTrue(mined > 300, "negatives mined: " + mined);
        return out;
    }

    private static float[][] rows(Path file) {
        try (VectorStore store = VectorStore.open(file)) {
            float[][] rows = new float[Math.toIntExact(store.count())][store.dim()];
            for (int r = 0; r < rows.length; r++) {
                store.copyRow(r, rows[r]);
            }
            return rows;
        }
    }

    private static boolean contains(int[] values, int value) {
        return Arrays.stream(values).anyMatch(v -> v == value);
    }

    private static int[] ordinals(String ids) {
        return ids.isEmpty() ? new int[0]
                : Arrays.stream(ids.split(",")).mapToInt(id -> Integer.parseInt(id.replace("\"", "").substring(1)))
                        .toArray();
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int k = 0; k < a.length; k++) {
            sum += (double) a[k] * b[k];
        }
        return sum;
    }

    private static int batchOf(List<String> batches, String anchor) {
        return batches.stream().skip(1).filter(l -> l.endsWith("\t" + anchor)).mapToInt(l -> Integer.parseInt(
                l.split("\t")[0])).findFirst().orElse(-1);
    }

    @Test
    void crossModelMinesNegativesBothModelsAgreeOnAndRefusesStoresThatDoNotLineUp() throws IOException {
        Object[] base = {"mine", "--strategy", "cross-model", "--corpus", catalog.resolve("corpus.qvec"), "--queries",
            catalog.resolve("queries.qvec"), "--qrels", catalog.resolve("qrels.tsv"), "--output",
            dir.resolve("cm.jsonl")};
        List<Object> ok = new ArrayList<>(List.of(base));
        ok.addAll(List.of("--model", catalog.resolve("corpus-b.qvec") + "," + catalog.resolve("queries-b.qvec"),
                "--fusion", "rrf", "--output-format", "flag", "--output-scores", "--output-ranks"));
        CliRun run = CliRun.of(ok.toArray());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("(2 models, agreement 2, rrf fusion"), run::toString);
        Map<String, List<String>> crossModel = checkAgreedByBothModels(dir.resolve("cm.jsonl"));

        // One model alone mines negatives that the second model does not agree on.
        CliRun one = CliRun.of("mine", "--corpus", catalog.resolve("corpus.qvec"), "--queries",
                catalog.resolve("queries.qvec"), "--qrels", catalog.resolve("qrels.tsv"), "--output-format", "flag",
                "--output", dir.resolve("one.jsonl"));
        assertEquals(0, one.exitCode(), one::toString);
        Map<String, List<String>> oneModel = negatives(dir.resolve("one.jsonl"));
        long differ = oneModel.keySet().stream().filter(a -> !oneModel.get(a).equals(crossModel.get(a))).count();
        assertTrue(differ > 0, "the second model changes some anchors' negatives");

        Path shorter = TestFiles.qvec(dir.resolve("short.qvec"), TestVectors.rows(new SplittableRandom(1), 10, 32),
                true);
        List<Object> bad = new ArrayList<>(List.of(base));
        bad.addAll(List.of("--model", shorter + "," + catalog.resolve("queries-b.qvec")));
        CliRun count = CliRun.of(bad.toArray());
        assertEquals(ExitCodes.DATA, count.exitCode(), count::toString);
        assertTrue(count.err().contains(shorter + ": count=10, expected"), count::toString);

        // the same vectors, with their ids in another order
        Path other = Files.copy(catalog.resolve("corpus-b.qvec"), dir.resolve("b.qvec"));
        List<String> ids = new ArrayList<>(Files.readAllLines(catalog.resolve("corpus.qvec.ids")));
        Collections.swap(ids, 0, 1);
        Files.write(dir.resolve("b.qvec.ids"), ids);
        List<Object> order = new ArrayList<>(List.of(base));
        order.addAll(List.of("--model", other + "," + catalog.resolve("queries-b.qvec")));
        CliRun reordered = CliRun.of(order.toArray());
        assertEquals(ExitCodes.DATA, reordered.exitCode(), reordered::toString);
        assertTrue(reordered.err().contains("row 0 id=d1, expected d0"), reordered::toString);

        List<Object> tooMany = new ArrayList<>(List.of(base));
        tooMany.addAll(List.of("--model", catalog.resolve("corpus-b.qvec") + "," + catalog.resolve("queries-b.qvec"),
                "--agreement", 3));
        CliRun agree = CliRun.of(tooMany.toArray());
        assertEquals(ExitCodes.USAGE, agree.exitCode(), agree::toString);
        assertFalse(agree.err().contains("Exception"), agree::toString);
    }
}
