package dev.quarry.mining.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryUsageException;
import dev.quarry.index.TopK;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.labels.Qrels;
import dev.quarry.mining.candidate.AnchorBlock;
import dev.quarry.mining.strategy.BatchBuilder.Grouping;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training batches: a seeded permutation of the anchors, cut into batches, grouped so that close anchors meet. */
class BatchBuilderTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();
    private static final int TOPICS = 8;
    private static final int PER_TOPIC = 40;

    @TempDir
    Path dir;

    /** 8 well-separated topics of 40 unit vectors each, in dimension 16; row i belongs to topic i % 8. */
    private static float[][] topics(SplittableRandom random) {
        int dim = 16;
        float[][] centres = new float[TOPICS][dim];
        for (float[] c : centres) {
            for (int k = 0; k < dim; k++) {
                c[k] = (float) random.nextGaussian();
            }
        }
        float[][] rows = new float[TOPICS * PER_TOPIC][dim];
        for (int i = 0; i < rows.length; i++) {
            double norm = 0;
            for (int k = 0; k < dim; k++) {
                rows[i][k] = centres[i % TOPICS][k] + 0.15f * (float) random.nextGaussian();
                norm += rows[i][k] * rows[i][k];
            }
            for (int k = 0; k < dim; k++) {
                rows[i][k] /= (float) Math.sqrt(norm);
            }
        }
        return rows;
    }

    /** Anchor ordinals 0..n-1 in a scrambled order, as a run lists them. */
    private static int[] anchors(int n) {
        return IntStream.range(0, n).map(i -> (int) ((i * 37L + 11) % n)).toArray();
    }

    @Test
    void everyAnchorComesOnceInEveryGrouping() throws Exception {
        float[][] rows = topics(new SplittableRandom(1));
        int[] anchors = anchors(rows.length);
        try (VectorStore queries = VectorStore.copyOf("queries", rows, true); IvfIndex ivf = ivf(queries)) {
            for (Grouping grouping : Grouping.values()) {
                int[] order = new BatchBuilder(KERNELS).order(anchors, queries, 32, grouping, ivf, 7, 2);
                int[] sorted = order.clone();
                Arrays.sort(sorted);
                assertArrayEquals(IntStream.range(0, rows.length).toArray(), sorted, grouping + ": a permutation");
            }
        }
    }

    @Test
    void batchesHaveTheAskedSizeTheLastOneTheRest() {
        float[][] rows = topics(new SplittableRandom(2));
        int[] anchors = anchors(rows.length - 3); // 317 anchors: 9 batches of 32 and one of 29
        try (VectorStore queries = VectorStore.copyOf("queries", rows, true)) {
            int[] order = new BatchBuilder(KERNELS).order(anchors, queries, 32, Grouping.KMEANS, null, 7, 1);
            assertEquals(317, order.length);
            // Each anchor's positive is its own row, so its in-batch candidates are the other members of its batch.
            Qrels.Builder qrels = new Qrels.Builder();
            for (int a : anchors) {
                qrels.add(a, a);
            }
            InBatchSource source = new InBatchSource(queries, qrels.build(), order, 32);
            QueryBlock block = new QueryBlock(order.length, queries.dim());
            int[][] own = new int[order.length][];
            for (int i = 0; i < order.length; i++) {
                block.add(queries.segment(), queries.rowOffset(order[i]));
                own[i] = new int[] {order[i]};
            }
            TopK top = source.candidates(new AnchorBlock(block, order, own, own), 64);
            for (int i = 0; i < order.length; i++) {
                int from = i / 32 * 32;
                int size = i < 288 ? 32 : 29;
                int q = i;
                int[] expected = IntStream.range(from, from + size).map(j -> order[j]).filter(a -> a != order[q])
                        .sorted().toArray();
                int[] got = IntStream.range(0, top.count(q)).map(r -> top.id(q, r)).sorted().toArray();
                assertArrayEquals(expected, got, "anchor " + order[i] + " at " + i);
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameOrderAnotherSeedAnother() {
        float[][] rows = topics(new SplittableRandom(3));
        int[] anchors = anchors(rows.length);
        try (VectorStore queries = VectorStore.copyOf("queries", rows, true)) {
            for (Grouping grouping : new Grouping[] {Grouping.RANDOM, Grouping.KMEANS}) {
                BatchBuilder builder = new BatchBuilder(KERNELS);
                int[] first = builder.order(anchors, queries, 32, grouping, null, 7, 1);
                assertArrayEquals(first, builder.order(anchors, queries, 32, grouping, null, 7, 1), grouping + " again");
                assertArrayEquals(first, builder.order(anchors, queries, 32, grouping, null, 7, 2),
                        grouping + " on 2 threads");
                assertFalse(Arrays.equals(first, builder.order(anchors, queries, 32, grouping, null, 8, 1)),
                        grouping + " with another seed");
            }
        }
    }

    @Test
    void kmeansPutsAnchorsOfOneTopicTogetherMoreThanRandomBatches() {
        float[][] rows = topics(new SplittableRandom(4));
        int[] anchors = anchors(rows.length);
        Qrels.Builder qrels = new Qrels.Builder();
        for (int a : anchors) {
            qrels.add(a, a);
        }
        Qrels positives = qrels.build();
        try (VectorStore queries = VectorStore.copyOf("queries", rows, true)) {
            BatchBuilder builder = new BatchBuilder(KERNELS);
            int[] kmeans = builder.order(anchors, queries, PER_TOPIC, Grouping.KMEANS, null, 7, 1);
            int[] random = builder.order(anchors, queries, PER_TOPIC, Grouping.RANDOM, null, 7, 1);
            double kmeansShare = sameTopicShare(kmeans, PER_TOPIC);
            double randomShare = sameTopicShare(random, PER_TOPIC);
            // Random batches pair anchors of one topic about 1 time in 8; k-means on separated topics almost always.
            assertTrue(randomShare < 0.25, "random batches: " + randomShare);
            assertTrue(kmeansShare > 0.8, "k-means batches: " + kmeansShare + " (random " + randomShare + ")");
            double hard = BatchBuilder.meanInBatchScore(kmeans, PER_TOPIC, positives, queries, queries);
            double easy = BatchBuilder.meanInBatchScore(random, PER_TOPIC, positives, queries, queries);
            assertTrue(hard > easy + 0.3, "in-batch negatives of k-means batches score higher: " + hard + " vs " + easy);
        }
    }

    @Test
    void refusesBatchSizesThatCannotCutTheAnchorsAndIvfGroupingWithoutAnIndex() {
        float[][] rows = topics(new SplittableRandom(5));
        int[] anchors = anchors(rows.length);
        try (VectorStore queries = VectorStore.copyOf("queries", rows, true)) {
            BatchBuilder builder = new BatchBuilder(KERNELS);
            assertThrows(QuarryUsageException.class, () -> builder.order(anchors, queries, 1, Grouping.RANDOM, null, 7, 1));
            assertThrows(QuarryUsageException.class,
                    () -> builder.order(anchors, queries, rows.length + 1, Grouping.RANDOM, null, 7, 1));
            QuarryUsageException e = assertThrows(QuarryUsageException.class,
                    () -> builder.order(anchors, queries, 32, Grouping.IVF, null, 7, 1));
            assertEquals("batchGrouping=ivf, expected an IVF index (set index)", e.getMessage());
        }
    }

    /** Share of the pairs of anchors sharing a batch that come from the same topic. */
    private static double sameTopicShare(int[] order, int batchSize) {
        long same = 0;
        long pairs = 0;
        for (int from = 0; from < order.length; from += batchSize) {
            int to = Math.min(order.length, from + batchSize);
            for (int i = from; i < to; i++) {
                for (int j = i + 1; j < to; j++) {
                    pairs++;
                    same += order[i] % TOPICS == order[j] % TOPICS ? 1 : 0;
                }
            }
        }
        return (double) same / pairs;
    }

    private IvfIndex ivf(VectorStore store) {
        Path file = dir.resolve("anchors.qivf");
        new IvfBuilder(KERNELS).build(store, new KMeansParams(TOPICS, 10, 64, 0, true, 42, 1), file, null);
        return IvfIndex.open(file, store, KERNELS);
    }
}
