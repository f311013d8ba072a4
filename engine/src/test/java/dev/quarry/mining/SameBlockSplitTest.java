package dev.quarry.mining;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.SearchParams;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.index.ivf.ListEncoding;
import dev.quarry.store.VectorStore;
import dev.quarry.synth.BenchmarkVectors;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trainer's call of up to one block over an IVF index is split into one block per thread
 * ({@link Miner#blockSize}), and mines what one thread mines: the same negatives, ranks, score bits and
 * shortfalls for every batch size around the split's edges, for float32 and int8 lists, the exact coarse
 * stage and the centroid graph, top and random sampling.
 */
class SameBlockSplitTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();
    private static final int DIM = 16;
    private static final int ROWS = 12_000;
    private static final int ANCHORS = 300;

    @Test
    void splitsOnlyACallOfOneBlockOverAnIvfIndexWithSixteenAnchorsPerThread(@TempDir Path dir) {
        BenchmarkVectors clustered = new BenchmarkVectors(BenchmarkVectors.Kind.CLUSTERED, DIM, 3);
        clustered.write(dir.resolve("corpus.qvec"), 2_000, 0, null);
        try (VectorStore corpus = VectorStore.open(dir.resolve("corpus.qvec"))) {
            new IvfBuilder(KERNELS).build(corpus, new KMeansParams(16, 3, 64, 0, true, 5, 2), ListEncoding.FLOAT32,
                    dir.resolve("i.qivf"), null);
            try (IvfIndex ivf = IvfIndex.open(dir.resolve("i.qivf"), corpus, KERNELS)) {
                assertEquals(32, Miner.blockSize(ivf, 64, 2), "64 anchors on 2 threads: two blocks of 32");
                assertEquals(22, Miner.blockSize(ivf, 64, 3));
                assertEquals(16, Miner.blockSize(ivf, 64, 4));
                assertEquals(16, Miner.blockSize(ivf, 64, 8), "at least 16 anchors a block");
                assertEquals(16, Miner.blockSize(ivf, 32, 2));
                assertEquals(Miner.BLOCK, Miner.blockSize(ivf, 31, 2), "fewer than 16 a thread: one block");
                assertEquals(Miner.BLOCK, Miner.blockSize(ivf, 64, 1));
                assertEquals(128, Miner.blockSize(ivf, Miner.BLOCK, 2));
                assertEquals(Miner.BLOCK, Miner.blockSize(ivf, Miner.BLOCK + 1, 2), "several blocks already");
                assertEquals(Miner.BLOCK, Miner.blockSize(new FlatIndex(corpus, KERNELS), 64, 2),
                        "exact search reads every row for every query: one block");
            }
        }
    }

    @Test
    void minesWhatOneThreadMinesForEveryBatchSize(@TempDir Path dir) {
        BenchmarkVectors clustered = new BenchmarkVectors(BenchmarkVectors.Kind.CLUSTERED, DIM, 7);
        clustered.write(dir.resolve("corpus.qvec"), ROWS, 0, null);
        clustered.write(dir.resolve("anchors.qvec"), ANCHORS, ROWS, null);
        try (VectorStore corpus = VectorStore.open(dir.resolve("corpus.qvec"));
             VectorStore anchorStore = VectorStore.open(dir.resolve("anchors.qvec"))) {
            // nlist 1024: the index holds a centroid graph
            KMeansParams params = new KMeansParams(1024, 3, 64, 0, true, 5, 2);
            new IvfBuilder(KERNELS).build(corpus, params, ListEncoding.FLOAT32, dir.resolve("f.qivf"), null);
            new IvfBuilder(KERNELS).build(corpus, params, ListEncoding.INT8, dir.resolve("b.qivf"), null);
            float[][] anchors = new float[ANCHORS][DIM];
            int[][] positives = new int[ANCHORS][];
            for (int a = 0; a < ANCHORS; a++) {
                anchorStore.copyRow(a, anchors[a]);
                positives[a] = new int[] {(int) clustered.sourceRow(a, ROWS)};
            }
            try (IvfIndex f = IvfIndex.open(dir.resolve("f.qivf"), corpus, KERNELS);
                 IvfIndex b = IvfIndex.open(dir.resolve("b.qivf"), corpus, KERNELS)) {
                int compared = 0;
                for (IvfIndex index : new IvfIndex[] {f, b}) {
                    for (SearchParams.Coarse coarse : new SearchParams.Coarse[] {SearchParams.Coarse.EXACT,
                            SearchParams.Coarse.GRAPH, SearchParams.Coarse.AUTO}) {
                        for (SamplingStrategy sampling : new SamplingStrategy[] {SamplingStrategy.TOP,
                                SamplingStrategy.RANDOM}) {
                            compared += compare(corpus, index, coarse, sampling, anchors, positives);
                        }
                    }
                }
                assertTrue(compared > 1000, "negatives compared: " + compared);
            }
        }
    }

    private static int compare(VectorStore corpus, IvfIndex index, SearchParams.Coarse coarse,
                               SamplingStrategy sampling, float[][] anchors, int[][] positives) {
        MiningConfig config = MiningConfig.defaults().withNumNegatives(4).withRange(2, 30).withSampling(sampling);
        SearchParams search = SearchParams.defaults().withNprobe(2).withCoarse(coarse);
        String what = index.describe() + " " + coarse + " " + sampling;
        int compared = 0;
        try (Miner one = Miner.builder(corpus).index(index).kernels(KERNELS).config(config)
                .search(search.withThreads(1)).warmUp(false).build()) {
            for (int threads : new int[] {2, 3}) {
                try (Miner many = Miner.builder(corpus).index(index).kernels(KERNELS).config(config)
                        .search(search.withThreads(threads)).warmUp(false).build()) {
                    for (int batch : new int[] {31, 32, 33, 47, 64, 100, Miner.BLOCK, ANCHORS}) {
                        int from = batch % 7;
                        float[][] part = java.util.Arrays.copyOfRange(anchors, from, from + Math.min(batch,
                                ANCHORS - from));
                        int[][] pos = java.util.Arrays.copyOfRange(positives, from, from + part.length);
                        List<MinedAnchor> expected = one.mine(part, pos);
                        List<MinedAnchor> actual = many.mine(part, pos);
                        assertEquals(expected.size(), actual.size());
                        for (int a = 0; a < part.length; a++) {
                            String where = what + ", " + threads + " threads, batch " + batch + ", anchor " + a;
                            MinedAnchor e = expected.get(a);
                            MinedAnchor x = actual.get(a);
                            assertEquals(e.anchor(), x.anchor(), where);
                            assertArrayEquals(e.negatives(), x.negatives(), where);
                            assertArrayEquals(e.negativeRanks(), x.negativeRanks(), where);
                            assertEquals(e.negativeScores().length, x.negativeScores().length, where);
                            for (int i = 0; i < e.negativeScores().length; i++) {
                                assertEquals(Float.floatToIntBits(e.negativeScores()[i]),
                                        Float.floatToIntBits(x.negativeScores()[i]), where + " negative " + i);
                            }
                            assertEquals(e.shortfall(), x.shortfall(), where);
                            compared += e.negatives().length;
                        }
                    }
                }
            }
        }
        return compared;
    }
}
