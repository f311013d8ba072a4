package dev.quarry.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.index.SearchParams;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.labels.DynamicIdMap;
import dev.quarry.labels.Qrels;
import dev.quarry.labels.RunFile;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestFiles;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluation of exact search and of a run file on a corpus small enough to rank by hand:
 * query 0 = (1, 0) ranks d0 (1.0), d1 (0.8), d2 (0.0), d3 (-1.0); query 1 = (0.6, 0.8) ranks
 * d1 (0.96), d2 (0.8), d0 (0.6), d3 (-0.6). Held out: q0 -> d1; q1 -> d0 and d3.
 */
class EvaluatorTest {
    private static final float[][] CORPUS = {{1, 0}, {0.8f, 0.6f}, {0, 1}, {-1, 0}};
    private static final float[][] QUERIES = {{1, 0}, {0.6f, 0.8f}};
    private static final int[] KS = {1, 2, 4};
    // q0: d1 at 0-based rank 1. q1: d0 at rank 2, d3 at rank 3.
    private static final double[] RECALL = {0, 0.5, 1};
    private static final double[] MRR = {0, 0.25, (0.5 + 1.0 / 3) / 2};
    private static final double[] NDCG = {0, (1 / log2(3) + 0) / 2,
        (1 / log2(3) + (1 / log2(4) + 1 / log2(5)) / (1 + 1 / log2(3))) / 2};

    @TempDir
    Path dir;

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    private static Qrels heldout(int[]... pairs) {
        Qrels.Builder b = new Qrels.Builder();
        for (int[] p : pairs) {
            b.add(p[0], p[1]);
        }
        return b.build();
    }

    @Test
    void exactSearchMatchesHandComputedMetrics() {
        try (VectorStore corpus = VectorStore.open(TestFiles.qvec(dir.resolve("c.qvec"), CORPUS, false));
             VectorStore queries = VectorStore.open(TestFiles.qvec(dir.resolve("q.qvec"), QUERIES, false))) {
            EvalResult r = Evaluator.evaluate("flat", new FlatIndex(corpus, VectorKernelsProvider.get()), queries,
                    false, heldout(new int[] {0, 1}, new int[] {1, 0}, new int[] {1, 3}), dir.resolve("qrels.tsv"),
                    KS, SearchParams.defaults());
            assertEquals(2, r.queries());
            assertArrayEquals(RECALL, r.recall(), 1e-6);
            assertArrayEquals(MRR, r.mrr(), 1e-6);
            assertArrayEquals(NDCG, r.ndcg(), 1e-6);
            assertTrue(r.queriesPerSecond() > 0);
        }
    }

    @Test
    void runFileWithTheSameRankingGivesTheSameMetrics() throws IOException {
        Path run = Files.writeString(dir.resolve("run.trec"), """
                q0 Q0 d0 1 1.0 m
                q0 Q0 d1 2 0.8 m
                q0 Q0 d2 3 0.0 m
                q0 Q0 d3 4 -1.0 m
                q1 Q0 d1 1 0.96 m
                q1 Q0 d2 2 0.8 m
                q1 Q0 d0 3 0.6 m
                q1 Q0 d3 4 -0.6 m
                """);
        DynamicIdMap queryIds = new DynamicIdMap();
        DynamicIdMap docIds = new DynamicIdMap();
        RunFile file = RunFile.read(run, queryIds, docIds, false);
        Qrels h = heldout(new int[] {queryIds.ordinal("q0"), docIds.ordinal("d1")},
                new int[] {queryIds.ordinal("q1"), docIds.ordinal("d0")},
                new int[] {queryIds.ordinal("q1"), docIds.ordinal("d3")});
        EvalResult r = Evaluator.evaluate("run", file, h, dir.resolve("qrels.tsv"), KS);
        assertArrayEquals(RECALL, r.recall(), 1e-12);
        assertArrayEquals(MRR, r.mrr(), 1e-12);
        assertArrayEquals(NDCG, r.ndcg(), 1e-12);
    }

    @Test
    void queryMissingFromTheRunRetrievesNothing() throws IOException {
        Path run = Files.writeString(dir.resolve("run.trec"), "q0 Q0 d1 1 1.0 m\n");
        DynamicIdMap queryIds = new DynamicIdMap();
        DynamicIdMap docIds = new DynamicIdMap();
        RunFile file = RunFile.read(run, queryIds, docIds, false);
        int absent = queryIds.add("q9");
        Qrels h = heldout(new int[] {queryIds.ordinal("q0"), docIds.ordinal("d1")}, new int[] {absent,
            docIds.ordinal("d1")});
        EvalResult r = Evaluator.evaluate("run", file, h, dir.resolve("qrels.tsv"), new int[] {1});
        assertEquals(2, r.queries());
        assertArrayEquals(new double[] {0.5}, r.recall(), 1e-12);
    }

    @Test
    void queriesThatAreCorpusRowsDoNotRetrieveThemselves() {
        try (VectorStore corpus = VectorStore.open(TestFiles.qvec(dir.resolve("c.qvec"), CORPUS, false))) {
            FlatIndex index = new FlatIndex(corpus, VectorKernelsProvider.get());
            Qrels h = heldout(new int[] {0, 1}); // row 0's nearest other row is row 1
            assertArrayEquals(new double[] {1}, Evaluator.evaluate("flat", index, corpus, true, h, dir, new int[] {1},
                    SearchParams.defaults()).recall(), 0);
            assertArrayEquals(new double[] {0}, Evaluator.evaluate("flat", index, corpus, false, h, dir,
                    new int[] {1}, SearchParams.defaults()).recall(), 0);
        }
    }

    @Test
    void heldOutQrelsWithoutQueriesAreRejectedNamingTheFile() {
        Path qrels = dir.resolve("heldout.tsv");
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> Evaluator.evaluate("run",
                RunFile.read(Files.writeString(dir.resolve("r.trec"), "q0 Q0 d1 1 1.0 m\n"), new DynamicIdMap(),
                        new DynamicIdMap(), false), Qrels.empty(), qrels, new int[] {1}));
        assertTrue(e.getMessage().contains("heldout.tsv"), e.getMessage());
    }
}
