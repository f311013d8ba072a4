package dev.quarry.mining;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The in-process API: negatives are the best allowed rows, never positives, identical for any thread count. */
class MinerTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    @Test
    void minesTheBestRowsThatAreNotPositivesOrKnownPositives() {
        SplittableRandom random = new SplittableRandom(11);
        float[][] corpus = TestVectors.rows(random, 3000, 32);
        float[][] anchors = TestVectors.rows(random, 300, 32);
        int[][] positives = new int[300][];
        int[][] known = new int[300][];
        for (int a = 0; a < 300; a++) {
            positives[a] = new int[] {random.nextInt(3000), random.nextInt(3000)};
            known[a] = new int[] {random.nextInt(3000)};
        }
        MiningConfig config = MiningConfig.defaults().withoutFilters().withNumNegatives(5).withRange(2, 50);
        try (VectorStore store = VectorStore.copyOf("corpus", corpus, false);
             Miner miner = new Miner(new FlatIndex(store, KERNELS), store, KERNELS, config, 2)) {
            List<MinedAnchor> mined = miner.mine(anchors, positives, known);
            assertEquals(300, mined.size());
            for (int a = 0; a < 300; a++) {
                MinedAnchor m = mined.get(a);
                assertEquals(a, m.anchor());
                // Brute force: rank every allowed row, skip the two hardest (range-min 2), take 5.
                int[] excluded = {positives[a][0], positives[a][1], known[a][0]};
                Integer[] order = allowedByScore(corpus, anchors[a], excluded);
                int[] expected = new int[5];
                for (int i = 0; i < 5; i++) {
                    expected[i] = order[2 + i];
                }
                assertArrayEquals(expected, m.negatives(), "anchor " + a);
                assertArrayEquals(new int[] {2, 3, 4, 5, 6}, m.negativeRanks());
                for (int p = 0; p < m.positives().length; p++) {
                    double exact = TestVectors.exactDot(anchors[a], corpus[m.positives()[p]], 32);
                    assertEquals(exact, m.positiveScores()[p], 1e-5);
                }
            }
        }
    }

    @Test
    void aCallsOwnSearchOptionsOverrideTheMinersAndEveryListProbedMinesWhatExactSearchMines(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        SplittableRandom random = new SplittableRandom(33);
        float[][] corpus = TestVectors.rows(random, 3000, 16);
        float[][] anchors = TestVectors.rows(random, 40, 16);
        int[][] positives = new int[40][];
        for (int a = 0; a < 40; a++) {
            positives[a] = new int[] {random.nextInt(3000)};
        }
        MiningConfig config = MiningConfig.defaults().withoutFilters().withNumNegatives(4).withRange(1, 30);
        java.nio.file.Path file = dir.resolve("c.qivf");
        try (VectorStore store = VectorStore.copyOf("corpus", corpus, false)) {
            new dev.quarry.index.ivf.IvfBuilder(KERNELS).build(store,
                    new dev.quarry.index.ivf.KMeansParams(50, 4, 64, 0, false, 1, 2), file, null);
            try (dev.quarry.index.ivf.IvfIndex ivf = dev.quarry.index.ivf.IvfIndex.open(file, store, KERNELS);
                 Miner exact = Miner.builder(store).kernels(KERNELS).config(config).build();
                 Miner approximate = Miner.builder(store).index(ivf).kernels(KERNELS).config(config)
                         .search(SearchParams.defaults().withNprobe(1).withThreads(2)).build()) {
                List<MinedAnchor> truth = exact.mine(anchors, positives);
                List<MinedAnchor> everyList = approximate.mine(anchors, positives, null,
                        SearchParams.defaults().withNprobe(50).withThreads(2));
                List<MinedAnchor> oneList = approximate.mine(anchors, positives);
                int differ = 0;
                for (int a = 0; a < 40; a++) {
                    assertArrayEquals(truth.get(a).negatives(), everyList.get(a).negatives(), "anchor " + a);
                    assertArrayEquals(truth.get(a).negativeScores(), everyList.get(a).negativeScores());
                    differ += Arrays.equals(truth.get(a).negatives(), oneList.get(a).negatives()) ? 0 : 1;
                }
                assertTrue(differ > 0, "nprobe 1, the miner's own option, probes fewer lists: some anchors differ");
                assertEquals(1, approximate.search().nprobe());
            }
        }
    }

    @Test
    void givesTheSameResultForOneThreadAndManyAndFromASegment() {
        SplittableRandom random = new SplittableRandom(12);
        float[][] corpus = TestVectors.rows(random, 2000, 24);
        float[][] anchors = TestVectors.rows(random, 700, 24); // three blocks of 256
        int[][] positives = new int[700][];
        for (int a = 0; a < 700; a++) {
            positives[a] = new int[] {random.nextInt(2000)};
        }
        MiningConfig config = MiningConfig.defaults().withSampling(SamplingStrategy.RANDOM).withNumNegatives(4);
        try (VectorStore store = VectorStore.copyOf("corpus", corpus, false);
             Miner one = new Miner(new FlatIndex(store, KERNELS), store, KERNELS, config, 1);
             Miner four = new Miner(new FlatIndex(store, KERNELS), store, KERNELS, config, 4);
             Arena arena = Arena.ofShared()) {
            List<MinedAnchor> a = one.mine(anchors, positives);
            List<MinedAnchor> b = four.mine(anchors, positives);
            MemorySegment seg = TestVectors.segment(arena, anchors, 8, 4L * 24 + 4);
            List<MinedAnchor> c = four.mine(seg, 8, 4L * 24 + 4, 700, positives);
            for (int i = 0; i < 700; i++) {
                assertArrayEquals(a.get(i).negatives(), b.get(i).negatives(), "anchor " + i);
                assertArrayEquals(a.get(i).negativeScores(), b.get(i).negativeScores(), "anchor " + i);
                assertArrayEquals(a.get(i).negatives(), c.get(i).negatives(), "anchor " + i + " from a segment");
            }
        }
    }

    @Test
    void rejectsPositivesOutsideTheCorpusAndMismatchedShapes() {
        float[][] corpus = {{1, 0}, {0, 1}, {1, 1}};
        try (VectorStore store = VectorStore.copyOf("corpus", corpus, false);
             Miner miner = Miner.over(store, MiningConfig.defaults().withoutFilters().withNumNegatives(1)
                     .withRange(0, 2))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> miner.mine(new float[][] {{1, 0}}, new int[][] {{7}}));
            assertTrue(e.getMessage().contains("positives[0] holds 7, expected 0 <= ordinal < 3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> miner.mine(new float[][] {{1, 0, 0}}, new int[][] {{0}}));
            assertTrue(e.getMessage().contains("anchors[0] length=3, expected dim=2"), e.getMessage());
        }
    }

    @Test
    void rangeMaxBeyondTheCorpusIsRefused() {
        float[][] corpus = {{1, 0}, {0, 1}};
        try (VectorStore store = VectorStore.copyOf("corpus", corpus, false);
             Miner miner = Miner.over(store, MiningConfig.defaults())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> miner.mine(new float[][] {{1, 0}}, new int[][] {{0}}));
            assertTrue(e.getMessage().contains("range_max=100, expected at most the corpus size 2"), e.getMessage());
        }
    }

    private static Integer[] allowedByScore(float[][] corpus, float[] anchor, int[] excluded) {
        return java.util.stream.IntStream.range(0, corpus.length)
                .filter(r -> Arrays.stream(excluded).noneMatch(x -> x == r))
                .boxed()
                .sorted((x, y) -> {
                    int c = Float.compare(KERNELS.dot(anchor, corpus[y], anchor.length),
                            KERNELS.dot(anchor, corpus[x], anchor.length));
                    return c != 0 ? c : Integer.compare(x, y);
                })
                .toArray(Integer[]::new);
    }
    /** An index whose second search fails and whose others take a while; it counts searches and those in flight. */
    private static final class FailingIndex implements VectorIndex {
        private final FlatIndex inner;
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();

        FailingIndex(VectorStore store) {
            this.inner = new FlatIndex(store, KERNELS);
        }

        @Override
        public TopK search(QueryBlock queries, int k, Exclusions exclusions, SearchParams params) {
            int call = calls.getAndIncrement();
            inFlight.incrementAndGet();
            try {
                if (call == 1) {
                    throw new IllegalArgumentException("search " + call + " failed");
                }
                LockSupport.parkNanos(100_000_000L);
                return inner.search(queries, k, exclusions, params);
            } finally {
                inFlight.decrementAndGet();
            }
        }

        @Override
        public int dim() {
            return inner.dim();
        }

        @Override
        public long size() {
            return inner.size();
        }

        @Override
        public String describe() {
            return "failing";
        }
    }

    @Test
    void aFailingBlockFailsTheCallAndNoOtherBlockRunsOnAfterIt() {
        SplittableRandom random = new SplittableRandom(12);
        float[][] corpus = TestVectors.rows(random, 500, 8);
        int count = 10 * Miner.BLOCK;
        float[][] anchors = TestVectors.rows(random, count, 8);
        int[][] positives = new int[count][];
        for (int a = 0; a < count; a++) {
            positives[a] = new int[] {random.nextInt(500)};
        }
        MiningConfig config = MiningConfig.defaults().withoutFilters().withNumNegatives(2).withRange(0, 10);
        try (VectorStore store = VectorStore.copyOf("corpus", corpus, false)) {
            FailingIndex index = new FailingIndex(store);
            try (Miner miner = Miner.builder(store).index(index).kernels(KERNELS).config(config)
                    .search(SearchParams.defaults().withThreads(2)).warmUp(false).build()) {
                IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class,
                        () -> miner.mine(anchors, positives));
                assertEquals("search 1 failed", thrown.getMessage(), "the block's own exception");
                assertEquals(0, index.inFlight.get(), "a search still running after the call failed");
                int started = index.calls.get();
                assertTrue(started < 10, "blocks kept starting after the failure: " + started);
                LockSupport.parkNanos(300_000_000L);
                assertEquals(started, index.calls.get(), "a block started after the call failed");
            }
        }
    }
}
