package dev.quarry.mining;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.Exclusions;
import dev.quarry.index.Recall;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The latency preset: the cheapest nprobe that reaches the recall target on the miner's own data. */
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

    private static IvfIndex ivf(VectorStore store, Path dir) {
        Path file = dir.resolve("c.qivf");
        new IvfBuilder(KERNELS).build(store, new KMeansParams(NLIST, 4, 64, 0, false, 1, 2), file, null);
        return IvfIndex.open(file, store, KERNELS);
    }

    /** Recall@30 of {@code nprobe} on the rows the preset measures (64 spread evenly, each excluding itself). */
    private static double recall(VectorStore store, IvfIndex ivf, int nprobe) {
        int rows = 64;
        QueryBlock block = new QueryBlock(rows, DIM);
        int[][] self = new int[rows][];
        for (int i = 0; i < rows; i++) {
            long row = i * (store.count() / rows);
            block.add(store.segment(), store.rowOffset(row));
            self[i] = new int[] {(int) row};
        }
        Exclusions exclusions = Exclusions.ofSorted(self);
        SearchParams params = SearchParams.defaults().withThreads(2);
        TopK truth = new FlatIndex(store, KERNELS).search(block, 30, exclusions, params);
        return Recall.of(truth, ivf.search(block, 30, exclusions, params.withNprobe(nprobe)));
    }
}
