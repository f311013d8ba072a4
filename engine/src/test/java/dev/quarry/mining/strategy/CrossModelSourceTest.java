package dev.quarry.mining.strategy;

import static dev.quarry.testing.TestVectors.dot;
import static dev.quarry.testing.TestVectors.integers;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.mining.candidate.AnchorBlock;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Cross-model agreement against hand-computed and brute-force answers: a candidate is kept only when at least m
 * models rank it in the window, dropped when any model scores it above that model's positive, and ordered by the
 * primary model's score or by reciprocal-rank fusion.
 */
class CrossModelSourceTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    /** Six rows, anchor 0 of model A scores them 5, 4, 3, 2, 1, 0 and model B 0, 4, 1, 5, 2, 3; row 1 is the positive. */
    private static List<CrossModelSource.Model> handBuilt() {
        float[] a = {5, 4, 3, 2, 1, 0};
        float[] b = {0, 4, 1, 5, 2, 3};
        float[][] rowsA = new float[6][];
        float[][] rowsB = new float[6][];
        for (int r = 0; r < 6; r++) {
            rowsA[r] = new float[] {a[r], 0};
            rowsB[r] = new float[] {0, b[r], 7};
        }
        VectorStore corpusA = VectorStore.copyOf("a", rowsA, false);
        VectorStore corpusB = VectorStore.copyOf("b", rowsB, false);
        return List.of(
                new CrossModelSource.Model(new FlatIndex(corpusA, KERNELS), corpusA,
                        VectorStore.copyOf("qa", new float[][] {{1, 0}}, false)),
                new CrossModelSource.Model(new FlatIndex(corpusB, KERNELS), corpusB,
                        VectorStore.copyOf("qb", new float[][] {{0, 1, 0}}, false)));
    }

    private static AnchorBlock handBlock() {
        return new AnchorBlock(QueryBlock.of(new float[] {1, 0}), new int[] {0}, new int[][] {{1}}, new int[][] {{1}});
    }

    /*
     * Without the positive (row 1), A ranks rows 0, 2, 3, 4, 5 as 0..4 and B ranks rows 3, 5, 4, 2, 0 as 0..4.
     * Window [1, 5): A keeps 2, 3, 4, 5 and B keeps 5, 4, 2, 0. Both agree on 2 (A rank 1, B rank 3), 4 (3, 2) and
     * 5 (4, 1). Row 3 is in A's window only (B ranks it 0) and B scores it 5, above B's positive 4; row 0 is in B's
     * window only and A scores it 5, above A's positive 4.
     */

    @Test
    void keepsOnlyWhatEnoughModelsPlaceInTheWindowOrderedByThePrimaryScore() {
        CrossModelSource source = new CrossModelSource(handBuilt(), 2, 1, Integer.MAX_VALUE, Fusion.PRIMARY,
                SearchParams.defaults());
        TopK top = source.candidates(handBlock(), 5);
        assertList(top, new int[] {2, 4, 5}, new float[] {3, 1, 0}, new int[] {1, 2, 1});
        assertArrayEquals(new float[] {4}, source.positiveScores(handBlock(), 0), "the primary model's scale");
    }

    @Test
    void dropsACandidateAnyModelScoresAboveItsPositiveEvenWithoutAgreement() {
        // With agreement 1, rows 3 and 0 are each in one model's window: only the positive rule drops them.
        CrossModelSource source = new CrossModelSource(handBuilt(), 1, 1, Integer.MAX_VALUE, Fusion.PRIMARY,
                SearchParams.defaults());
        assertList(source.candidates(handBlock(), 5), new int[] {2, 4, 5}, new float[] {3, 1, 0}, new int[] {1, 2, 1});
    }

    @Test
    void reciprocalRankFusionOrdersByRanksNotByThePrimaryScore() {
        // RRF: row 2 = 1/62 + 1/64, row 5 = 1/65 + 1/62, row 4 = 1/64 + 1/63; the primary order is 2, 4, 5.
        CrossModelSource source = new CrossModelSource(handBuilt(), 2, 1, Integer.MAX_VALUE, Fusion.RRF,
                SearchParams.defaults());
        assertList(source.candidates(handBlock(), 5), new int[] {2, 5, 4}, new float[] {3, 0, 1}, new int[] {1, 1, 2});
    }

    @Test
    void refusesFewerThanTwoModelsAndAnAgreementBeyondTheModels() {
        List<CrossModelSource.Model> models = handBuilt();
        assertThrows(IllegalArgumentException.class,
                () -> new CrossModelSource(models.subList(0, 1), 1, 0, Integer.MAX_VALUE, Fusion.PRIMARY,
                        SearchParams.defaults()));
        assertThrows(IllegalArgumentException.class,
                () -> new CrossModelSource(models, 3, 0, Integer.MAX_VALUE, Fusion.PRIMARY,
                        SearchParams.defaults()));
    }

    @Test
    void matchesBruteForceOnRandomStoresForEveryAgreementAndFusion() {
        int droppedByAgreement = 0;
        int droppedAbovePositive = 0;
        int fusionsDiffer = 0;
        int kept = 0;
        for (int seed = 0; seed < 6; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            int rows = 80 + random.nextInt(80);
            int anchors = 12;
            int[] dims = {6, 4, 9};
            float[][][] corpus = new float[3][][];
            float[][][] queries = new float[3][][];
            List<CrossModelSource.Model> models = new ArrayList<>();
            for (int m = 0; m < 3; m++) {
                corpus[m] = integers(random, rows, dims[m], 2);
                queries[m] = integers(random, anchors, dims[m], 2);
                VectorStore c = VectorStore.copyOf("c" + m, corpus[m], false);
                models.add(new CrossModelSource.Model(new FlatIndex(c, KERNELS), c,
                        VectorStore.copyOf("q" + m, queries[m], false)));
            }
            int[] ids = IntStream.range(0, anchors).toArray();
            int[][] positives = new int[anchors][];
            int[][] exclusions = new int[anchors][];
            for (int q = 0; q < anchors; q++) {
                positives[q] = IntStream.generate(() -> random.nextInt(rows)).distinct().limit(1 + random.nextInt(2))
                        .sorted().toArray();
                int known = random.nextInt(rows);
                exclusions[q] = IntStream.concat(Arrays.stream(positives[q]), IntStream.of(known)).distinct().sorted()
                        .toArray();
            }
            AnchorBlock block = new AnchorBlock(QueryBlock.of(queries[0]), ids, positives, exclusions);
            int rangeMin = 2 + random.nextInt(4);
            int depth = rangeMin + 10 + random.nextInt(20);
            for (int agreement = 1; agreement <= 3; agreement++) {
                TopK[] byFusion = new TopK[2];
                for (Fusion fusion : Fusion.values()) {
                    TopK top = new CrossModelSource(models, agreement, rangeMin, Integer.MAX_VALUE, fusion,
                            SearchParams.defaults()).candidates(block, depth);
                    byFusion[fusion.ordinal()] = top;
                    for (int q = 0; q < anchors; q++) {
                        Expected e = bruteForce(corpus, queries, q, positives[q], exclusions[q], rangeMin, depth,
                                agreement, fusion);
                        String where = "seed " + seed + " agreement " + agreement + " " + fusion + " anchor " + q;
                        assertList(top, q, e, where);
                        for (int i = 0; i < top.count(q); i++) {
                            int id = top.id(q, i);
                            assertTrue(Arrays.binarySearch(positives[q], id) < 0, where + ": a positive");
                            assertTrue(Arrays.binarySearch(exclusions[q], id) < 0, where + ": an excluded row");
                        }
                        if (fusion == Fusion.PRIMARY) {
                            droppedByAgreement += e.droppedByAgreement;
                            droppedAbovePositive += e.droppedAbovePositive;
                            kept += e.ids.length;
                        }
                    }
                }
                for (int q = 0; q < anchors; q++) {
                    if (!Arrays.equals(ids(byFusion[0], q), ids(byFusion[1], q))) {
                        fusionsDiffer++;
                    }
                }
            }
        }
        // The data exercised every rule.
        assertTrue(droppedByAgreement > 0 && droppedAbovePositive > 0 && kept > 0 && fusionsDiffer > 0,
                droppedByAgreement + " dropped by agreement, " + droppedAbovePositive + " above a positive, " + kept
                        + " kept, " + fusionsDiffer + " lists ordered differently by RRF");
    }

    private record Expected(int[] ids, float[] scores, int[] ranks, int droppedByAgreement, int droppedAbovePositive) {
    }

    /** The rule, from scratch: exact integer scores, each model's ranking by score then ordinal. */
    private static Expected bruteForce(float[][][] corpus, float[][][] queries, int q, int[] positives, int[] excluded,
                                       int rangeMin, int depth, int agreement, Fusion fusion) {
        int models = corpus.length;
        int rows = corpus[0].length;
        int[][] rank = new int[models][rows];
        float[][] score = new float[models][rows];
        float[] reference = new float[models];
        for (int m = 0; m < models; m++) {
            for (int r = 0; r < rows; r++) {
                score[m][r] = dot(queries[m][q], corpus[m][r]);
            }
            float[] s = score[m];
            reference[m] = (float) Arrays.stream(positives).mapToDouble(p -> s[p]).min().orElseThrow();
            Integer[] order = IntStream.range(0, rows).filter(r -> Arrays.binarySearch(excluded, r) < 0).boxed()
                    .toArray(Integer[]::new);
            Arrays.sort(order, Comparator.comparingDouble((Integer r) -> -s[r]).thenComparingInt(r -> r));
            Arrays.fill(rank[m], -1);
            for (int i = 0; i < Math.min(depth, order.length); i++) {
                rank[m][order[i]] = i;
            }
        }
        List<int[]> keep = new ArrayList<>(); // {id, best rank}
        List<Double> rrf = new ArrayList<>();
        int byAgreement = 0;
        int abovePositive = 0;
        for (int r = 0; r < rows; r++) {
            int agree = 0;
            int best = Integer.MAX_VALUE;
            double fused = 0;
            boolean listed = false;
            for (int m = 0; m < models; m++) {
                if (rank[m][r] >= 0) {
                    listed = true;
                    fused += 1.0 / (60 + rank[m][r] + 1);
                    if (rank[m][r] >= rangeMin) {
                        agree++;
                        best = Math.min(best, rank[m][r]);
                    }
                }
            }
            if (!listed) {
                continue;
            }
            if (agree < agreement) {
                byAgreement++;
                continue;
            }
            int row = r;
            if (IntStream.range(0, models).anyMatch(m -> score[m][row] > reference[m])) {
                abovePositive++;
                continue;
            }
            keep.add(new int[] {r, best});
            rrf.add(fused);
        }
        Integer[] order = IntStream.range(0, keep.size()).boxed().toArray(Integer[]::new);
        Comparator<Integer> byScore = fusion == Fusion.RRF
                ? Comparator.comparingDouble((Integer i) -> -rrf.get(i))
                : Comparator.comparingDouble((Integer i) -> -score[0][keep.get(i)[0]]);
        Arrays.sort(order, byScore.thenComparingInt(i -> keep.get(i)[0]));
        int n = Math.min(depth, order.length);
        int[] ids = new int[n];
        float[] scores = new float[n];
        int[] ranks = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = keep.get(order[i])[0];
            scores[i] = score[0][ids[i]];
            ranks[i] = keep.get(order[i])[1];
        }
        return new Expected(ids, scores, ranks, byAgreement, abovePositive);
    }

    private static int[] ids(TopK top, int q) {
        return IntStream.range(0, top.count(q)).map(i -> top.id(q, i)).toArray();
    }

    private static void assertList(TopK top, int[] ids, float[] scores, int[] ranks) {
        assertList(top, 0, new Expected(ids, scores, ranks, 0, 0), "anchor 0");
    }

    private static void assertList(TopK top, int q, Expected e, String where) {
        assertArrayEquals(e.ids, ids(top, q), where + ": ids");
        float[] scores = new float[top.count(q)];
        int[] ranks = new int[top.count(q)];
        for (int i = 0; i < top.count(q); i++) {
            scores[i] = top.score(q, i);
            ranks[i] = top.rank(q, i);
        }
        assertArrayEquals(e.scores, scores, where + ": scores (the primary model's)");
        assertArrayEquals(e.ranks, ranks, where + ": ranks (the best agreeing one)");
    }
}
