package dev.quarry.mining;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.Exclusions;
import dev.quarry.index.Recall;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.index.ivf.ListEncoding;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The latency preset: the cheapest nprobe that reaches the recall target on the miner's own data, for each way of
 * searching the index has (exact coarse stage, centroid graph, int8 oversample), the plainest kept unless another
 * measured faster by the margin.
 */
class MinerPresetTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();
    private static final int ROWS = 3000;
    private static final int DIM = 16;
    private static final int NLIST = 50;
    private static final MiningConfig CONFIG = MiningConfig.defaults().withoutFilters().withNumNegatives(4)
            .withRange(1, 30);

    @Test
    void latencyPresetProbesTheFewestListsThatReachTheRecallTarget(@TempDir Path dir) {
        // Uniform rows: a row's 30 nearest straddle cells, so one list is not enough and the choice is visible.
        try (VectorStore store = VectorStore.copyOf("corpus", TestVectors.rows(new SplittableRandom(5), ROWS, DIM), false);
             IvfIndex ivf = ivf(store, dir);
             Miner miner = Miner.builder(store).index(ivf).kernels(KERNELS).config(CONFIG)
                     .preset(MinerPreset.LATENCY).build()) {
            int nprobe = miner.search().nprobe();
            assertTrue(nprobe > 1 && nprobe < NLIST, "chose nprobe " + nprobe);
            assertTrue(recall(store, ivf, nprobe) >= LatencyTuning.RECALL_TARGET, "chosen nprobe reaches the target");
            assertTrue(recall(store, ivf, nprobe / 2) < LatencyTuning.RECALL_TARGET, "half of it does not");
            assertTrue(miner.describeSearch().startsWith("nprobe " + nprobe + " of " + NLIST + " lists (latency preset"),
                    miner.describeSearch());
        }
    }

    @Test
    void anExplicitNprobeWinsOverThePreset(@TempDir Path dir) {
        try (VectorStore store = VectorStore.copyOf("corpus", TestVectors.rows(new SplittableRandom(6), ROWS, DIM), false);
             IvfIndex ivf = ivf(store, dir);
             Miner miner = Miner.builder(store).index(ivf).kernels(KERNELS).config(CONFIG)
                     .search(SearchParams.defaults().withNprobe(3).withThreads(2)).preset(MinerPreset.LATENCY).build()) {
            assertEquals(3, miner.search().nprobe());
            assertEquals("nprobe 3, 2 threads", miner.describeSearch());
        }
    }

    @Test
    void exactSearchHasNothingToTune() {
        try (VectorStore store = VectorStore.copyOf("corpus", TestVectors.rows(new SplittableRandom(7), 500, DIM), false);
             Miner miner = Miner.builder(store).kernels(KERNELS).config(CONFIG).preset(MinerPreset.LATENCY).build()) {
            assertEquals(0, miner.search().nprobe());
            assertTrue(miner.describeSearch().startsWith("exact search"), miner.describeSearch());
        }
    }

    @Test
    void anIndexWithACentroidGraphHasTheGraphMeasuredBesideTheExactStageAndTheChoiceReachesTheTarget(
            @TempDir Path dir) {
        // nlist 1024: the smallest index that holds a graph.
        try (VectorStore store = VectorStore.copyOf("corpus", TestVectors.rows(new SplittableRandom(8), 20_000, DIM),
                false);
             IvfIndex ivf = ivf(store, dir, 1024, ListEncoding.FLOAT32);
             Miner miner = Miner.builder(store).index(ivf).kernels(KERNELS).config(CONFIG)
                     .preset(MinerPreset.LATENCY).build()) {
            assertTrue(ivf.hasGraph());
            SearchParams chosen = miner.search();
            assertNotEquals(SearchParams.Coarse.AUTO, chosen.coarse(), "a measured way, not the index's cost model");
            assertTrue(recall(store, ivf, chosen) >= LatencyTuning.RECALL_TARGET, miner.describeSearch());
            assertTrue(miner.describeSearch().contains("exact coarse stage at nprobe")
                    && miner.describeSearch().contains("centroid graph at nprobe"), miner.describeSearch());
        }
    }

    @Test
    void anInt8IndexIsTunedOnItsOwnRescoredResults(@TempDir Path dir) {
        try (VectorStore store = VectorStore.copyOf("corpus", TestVectors.rows(new SplittableRandom(9), ROWS, DIM), false);
             IvfIndex ivf = ivf(store, dir, NLIST, ListEncoding.INT8);
             Miner miner = Miner.builder(store).index(ivf).kernels(KERNELS).config(CONFIG)
                     .preset(MinerPreset.LATENCY).build()) {
            SearchParams chosen = miner.search();
            assertTrue(chosen.nprobe() > 1 && chosen.nprobe() < NLIST, "chose nprobe " + chosen.nprobe());
            assertTrue(recall(store, ivf, chosen) >= LatencyTuning.RECALL_TARGET, miner.describeSearch());
            assertTrue(miner.describeSearch().contains("oversample 1 at nprobe"), miner.describeSearch());
        }
    }

    @Test
    void waysAreTheExactStageTheGraphAndTheInt8OversampleLeftOpenByTheCaller(@TempDir Path dir) {
        try (VectorStore store = VectorStore.copyOf("corpus", TestVectors.rows(new SplittableRandom(10), 20_000, DIM),
                false);
             IvfIndex graph = ivf(store, dir, 1024, ListEncoding.FLOAT32);
             IvfIndex int8 = ivf(store, dir, NLIST, ListEncoding.INT8)) {
            SearchParams base = SearchParams.defaults().withThreads(2);
            assertEquals(List.of(SearchParams.Coarse.EXACT, SearchParams.Coarse.GRAPH),
                    LatencyTuning.ways(graph, base).stream().map(c -> c.search().coarse()).toList());
            assertEquals(List.of(SearchParams.Coarse.EXACT),
                    LatencyTuning.ways(graph, base.withCoarse(SearchParams.Coarse.EXACT)).stream()
                            .map(c -> c.search().coarse()).toList(), "a coarse stage the caller gave stays");
            assertEquals(List.of(0f, 1f), LatencyTuning.ways(int8, base).stream().map(c -> c.search().oversample())
                    .toList(), "the index's default first, then k candidates");
            assertEquals(List.of(3f), LatencyTuning.ways(int8, base.withOversample(3)).stream()
                    .map(c -> c.search().oversample()).toList(), "an oversample the caller gave stays");
        }
    }

    @Test
    void anotherWayIsTakenOnlyWhenItsCallsAreShorterByTheMargin() {
        SearchParams p = SearchParams.defaults();
        LatencyTuning.Candidate exact = new LatencyTuning.Candidate("exact", p, 0.96, 10.0);
        LatencyTuning.Candidate slightlyFaster = new LatencyTuning.Candidate("graph", p, 0.96, 9.5);
        LatencyTuning.Candidate muchFaster = new LatencyTuning.Candidate("graph", p, 0.96, 6.0);
        LatencyTuning.Candidate fastest = new LatencyTuning.Candidate("int8", p, 0.96, 5.0);
        assertEquals(exact, LatencyTuning.pick(List.of(exact)));
        assertEquals(exact, LatencyTuning.pick(List.of(exact, slightlyFaster)), "within the margin: the plainest");
        assertEquals(muchFaster, LatencyTuning.pick(List.of(exact, muchFaster)));
        assertEquals(fastest, LatencyTuning.pick(List.of(exact, muchFaster, fastest)));
        assertEquals(muchFaster, LatencyTuning.pick(List.of(exact, muchFaster, slightlyFaster)));
    }

    private static IvfIndex ivf(VectorStore store, Path dir) {
        return ivf(store, dir, NLIST, ListEncoding.FLOAT32);
    }

    private static IvfIndex ivf(VectorStore store, Path dir, int nlist, ListEncoding encoding) {
        Path file = dir.resolve("c-" + nlist + "-" + encoding + ".qivf");
        new IvfBuilder(KERNELS).build(store, new KMeansParams(nlist, 4, 64, 0, false, 1, 2), encoding, file, null);
        return IvfIndex.open(file, store, KERNELS);
    }

    /** Recall@30 of {@code nprobe} on the rows the preset measures (64 spread evenly, each excluding itself). */
    private static double recall(VectorStore store, IvfIndex ivf, int nprobe) {
        return recall(store, ivf, SearchParams.defaults().withThreads(2).withNprobe(nprobe));
    }

    /** Recall@30 of {@code params} on the rows the preset measures. */
    private static double recall(VectorStore store, IvfIndex ivf, SearchParams params) {
        int rows = 64;
        QueryBlock block = new QueryBlock(rows, DIM);
        int[][] self = new int[rows][];
        for (int i = 0; i < rows; i++) {
            long row = i * (store.count() / rows);
            block.add(store.segment(), store.rowOffset(row));
            self[i] = new int[] {(int) row};
        }
        Exclusions exclusions = Exclusions.ofSorted(self);
        TopK truth = new FlatIndex(store, KERNELS).search(block, 30, exclusions, params.withNprobe(0));
        return Recall.of(truth, ivf.search(block, 30, exclusions, params));
    }
}
