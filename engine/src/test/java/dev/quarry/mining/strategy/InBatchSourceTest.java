package dev.quarry.mining.strategy;

import static dev.quarry.testing.TestVectors.dot;
import static dev.quarry.testing.TestVectors.integers;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.TopK;
import dev.quarry.labels.Qrels;
import dev.quarry.mining.candidate.AnchorBlock;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * In-batch mining against brute force: an anchor's candidates are the positives of the other anchors of its batch,
 * minus its own exclusions, each once, ranked by score then ordinal.
 */
class InBatchSourceTest {

    @Test
    void candidatesAreTheOtherAnchorsPositivesInTheBatchRankedByScore() {
        SplittableRandom random = new SplittableRandom(21);
        int rows = 60;
        int anchors = 22;
        int dim = 5;
        float[][] corpus = integers(random, rows, dim, 3);
        float[][] queries = integers(random, anchors, dim, 3);
        Qrels.Builder qrels = new Qrels.Builder();
        int[][] positives = new int[anchors][];
        for (int a = 0; a < anchors; a++) {
            positives[a] = IntStream.generate(() -> random.nextInt(rows)).distinct().limit(1 + random.nextInt(3))
                    .sorted().toArray();
            for (int p : positives[a]) {
                qrels.add(a, p);
            }
        }
        Qrels labels = qrels.build();
        // Batch order: a shuffle of anchors 0..20; anchor 21 is in no batch.
        int[] order = IntStream.range(0, anchors - 1).toArray();
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int batchSize = 4; // 21 anchors: five batches of 4 and a last one of 1
        int[][] exclusions = new int[anchors][];
        for (int a = 0; a < anchors; a++) {
            int known = random.nextInt(rows);
            exclusions[a] = IntStream.concat(Arrays.stream(positives[a]), IntStream.of(known)).distinct().sorted()
                    .toArray();
        }
        int[] block = IntStream.range(0, anchors).toArray();
        try (VectorStore store = VectorStore.copyOf("corpus", corpus, false)) {
            InBatchSource source = new InBatchSource(store, labels, order, batchSize);
            AnchorBlock anchorBlock = new AnchorBlock(QueryBlock.of(queries), block, positives, exclusions);
            int depth = 6;
            TopK top = source.candidates(anchorBlock, depth);
            int truncated = 0;
            for (int a = 0; a < anchors; a++) {
                int at = indexOf(order, a);
                TreeSet<Integer> expected = new TreeSet<>();
                if (at >= 0) {
                    int from = at / batchSize * batchSize;
                    for (int i = from; i < Math.min(order.length, from + batchSize); i++) {
                        if (order[i] != a) {
                            for (int p : positives[order[i]]) {
                                if (Arrays.binarySearch(exclusions[a], p) < 0) {
                                    expected.add(p);
                                }
                            }
                        }
                    }
                }
                float[] anchor = queries[a];
                int[] ranked = expected.stream().sorted(Comparator.comparingDouble((Integer r) -> -dot(anchor, corpus[r]))
                        .thenComparingInt(r -> r)).mapToInt(Integer::intValue).limit(depth).toArray();
                truncated += expected.size() > depth ? 1 : 0;
                int[] ids = new int[top.count(a)];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = top.id(a, i);
                    assertEquals(dot(anchor, corpus[ids[i]]), top.score(a, i), "anchor " + a + " score");
                    assertEquals(i, top.rank(a, i), "ranks are positions in the batch's ranking");
                    assertTrue(Arrays.binarySearch(exclusions[a], ids[i]) < 0, "an excluded row came back");
                }
                assertArrayEquals(ranked, ids, "anchor " + a + (at < 0 ? " (in no batch)" : " at " + at));
                float[] pos = source.positiveScores(anchorBlock, a);
                for (int p = 0; p < positives[a].length; p++) {
                    assertEquals(dot(anchor, corpus[positives[a][p]]), pos[p]);
                }
            }
            assertEquals(0, top.count(anchors - 1), "an anchor in no batch has no in-batch candidates");
            assertTrue(truncated > 0, "some lists were cut at the depth");
            // The last batch holds one anchor: no other anchor, no candidate.
            assertEquals(0, top.count(order[order.length - 1]));
        }
    }

    private static int indexOf(int[] order, int anchor) {
        for (int i = 0; i < order.length; i++) {
            if (order[i] == anchor) {
                return i;
            }
        }
        return -1;
    }
}
