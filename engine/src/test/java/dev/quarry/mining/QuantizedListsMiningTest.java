package dev.quarry.mining;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.SearchParams;
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
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mining with int8 or pq4 lists writes what mining with float32 lists writes: the same negatives, ranks and
 * score bits, with Quarry's default defences on, when every probed row is rescored. (With fewer rescored,
 * the search result is the float32 one wherever the rescored candidates hold its top k, which
 * {@code IvfInt8RescoreTest} and {@code IvfPq4IndexTest} check; mining is a function of the search result and the store's rows.)
 */
class QuantizedListsMiningTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    @ParameterizedTest
    @EnumSource(value = ListEncoding.class, names = {"INT8", "PQ4"})
    void minesTheFloatIndexsNegativesAndScoresWhenEveryProbedRowIsRescored(ListEncoding encoding, @TempDir Path dir) {
        BenchmarkVectors clustered = new BenchmarkVectors(BenchmarkVectors.Kind.CLUSTERED, 32, 7);
        clustered.write(dir.resolve("corpus.qvec"), 20_000, 0, null);
        clustered.write(dir.resolve("anchors.qvec"), 150, 20_000, null);
        KMeansParams params = new KMeansParams(100, 4, 64, 0, true, 5, 2);
        try (VectorStore corpus = VectorStore.open(dir.resolve("corpus.qvec"));
             VectorStore anchorStore = VectorStore.open(dir.resolve("anchors.qvec"))) {
            new IvfBuilder(KERNELS).build(corpus, params, ListEncoding.FLOAT32, dir.resolve("f.qivf"), null);
            new IvfBuilder(KERNELS).build(corpus, params, encoding, dir.resolve("b.qivf"), null);
            float[][] anchors = new float[150][32];
            int[][] positives = new int[150][];
            for (int a = 0; a < 150; a++) {
                anchorStore.copyRow(a, anchors[a]);
                positives[a] = new int[] {(int) clustered.sourceRow(a, 20_000)};
            }
            SearchParams search = SearchParams.defaults().withNprobe(3).withThreads(2);
            try (IvfIndex f = IvfIndex.open(dir.resolve("f.qivf"), corpus, KERNELS);
                 IvfIndex b = IvfIndex.open(dir.resolve("b.qivf"), corpus, KERNELS);
                 Miner float32 = Miner.builder(corpus).index(f).kernels(KERNELS).search(search).warmUp(false).build();
                 Miner int8 = Miner.builder(corpus).index(b).kernels(KERNELS)
                         .search(search.withOversample(Float.POSITIVE_INFINITY)).warmUp(false).build()) {
                List<MinedAnchor> expected = float32.mine(anchors, positives);
                List<MinedAnchor> actual = int8.mine(anchors, positives);
                int mined = 0;
                for (int a = 0; a < 150; a++) {
                    MinedAnchor e = expected.get(a);
                    MinedAnchor x = actual.get(a);
                    assertArrayEquals(e.negatives(), x.negatives(), "anchor " + a);
                    assertArrayEquals(e.negativeRanks(), x.negativeRanks(), "anchor " + a);
                    assertEquals(e.negativeScores().length, x.negativeScores().length);
                    for (int i = 0; i < e.negativeScores().length; i++) {
                        assertEquals(Float.floatToIntBits(e.negativeScores()[i]),
                                Float.floatToIntBits(x.negativeScores()[i]), "anchor " + a + " negative " + i);
                    }
                    assertEquals(e.shortfall(), x.shortfall());
                    mined += e.negatives().length;
                }
                assertTrue(mined >= 150 * 2, "the defences left negatives to compare: " + mined);
            }
        }
    }
}
