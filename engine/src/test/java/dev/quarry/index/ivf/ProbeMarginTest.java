package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryUsageException;
import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestVectors;
import dev.quarry.testing.SameResults;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Probes by margin ({@link SearchParams#probeMargin}): of a query's nprobe best lists, exactly those whose
 * centroid scores within the margin of the best one's are probed, by the block search and the super-block
 * search alike; a margin of 0 is nprobe 1 and an infinite one every list.
 */
class ProbeMarginTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();
    private static final int DIM = 24;
    private static final int NLIST = 64;
    private static final int NPROBE = 4;

    @TempDir
    static Path dir;

    private static VectorStore store;
    private static IvfIndex ivf;
    private static float[][] queries;

    @BeforeAll
    static void build() throws IOException {
        SplittableRandom random = new SplittableRandom(5);
        store = VectorStore.copyOf("rows", TestVectors.normalized(TestVectors.rows(random, 4000, DIM)), true);
        Path file = dir.resolve("index.qivf");
        new IvfBuilder(KERNELS).build(store, new KMeansParams(NLIST, 4, 64, 0, true, 42, 2), file, null);
        ivf = IvfIndex.open(file, store, KERNELS);
        queries = TestVectors.normalized(TestVectors.rows(random, 1500, DIM));
    }

    @AfterAll
    static void close() {
        ivf.close();
        store.close();
    }

    /** Query q's score against centroid c, in double: the oracle the margin is checked against. */
    private static double score(float[] query, int c) {
        float[] centroids = ivf.centroids();
        double s = 0;
        for (int i = 0; i < DIM; i++) {
            s += (double) query[i] * centroids[c * DIM + i];
        }
        return s;
    }

    @Test
    void probesExactlyTheListsWithinTheMarginOfTheBest() {
        float margin = 0.05f;
        QueryBlock block = QueryBlock.of(queries);
        SearchParams every = SearchParams.defaults().withNprobe(NPROBE);
        int[] all = ivf.probedLists(block, every);
        int[] within = ivf.probedLists(block, every.withProbeMargin(margin));
        int[] counts = new int[NPROBE + 1];
        int checked = 0;
        for (int q = 0; q < queries.length; q++) {
            double best = score(queries[q], all[q * NPROBE]);
            int probed = 0;
            for (int i = 0; i < NPROBE; i++) {
                int list = within[q * NPROBE + i];
                if (list >= 0) {
                    assertEquals(all[q * NPROBE + i], list, "q=" + q + ": the probed lists are the best ones, in order");
                    probed++;
                }
            }
            counts[probed]++;
            for (int i = 1; i < NPROBE; i++) {
                double gap = best - score(queries[q], all[q * NPROBE + i]);
                if (Math.abs(gap - margin) > 1e-4) { // clear of float rounding at the boundary
                    assertEquals(gap <= margin, i < probed, "q=" + q + " list rank " + i + " gap " + gap);
                    checked++;
                }
            }
        }
        assertTrue(counts[1] > 0 && counts[NPROBE] > 0 && counts[2] + counts[3] > 0,
                "the margin must separate queries for this check to mean something: "
                + java.util.Arrays.toString(counts));
        assertTrue(checked > queries.length, "checked " + checked);
    }

    @Test
    void aZeroMarginIsNprobeOneAndAnInfiniteOneEveryList() {
        QueryBlock block = QueryBlock.of(queries);
        SearchParams four = SearchParams.defaults().withNprobe(NPROBE);
        SameResults.assertSame(ivf.search(block, 20, Exclusions.NONE, SearchParams.defaults().withNprobe(1)),
                ivf.search(block, 20, Exclusions.NONE, four.withProbeMargin(0)), "margin 0");
        SameResults.assertSame(ivf.search(block, 20, Exclusions.NONE, four),
                ivf.search(block, 20, Exclusions.NONE, four.withProbeMargin(Float.POSITIVE_INFINITY)), "margin inf");
    }

    @Test
    void theSuperBlockSearchProbesWhatTheBlockSearchProbes() {
        QueryBlock block = QueryBlock.of(queries);
        long[] offsets = new long[queries.length];
        for (int q = 0; q < offsets.length; q++) {
            offsets[q] = 4L * DIM * q;
        }
        for (float margin : new float[] {0f, 0.03f, 0.08f}) {
            SearchParams params = SearchParams.defaults().withNprobe(NPROBE).withProbeMargin(margin);
            TopK expected = ivf.search(block, 20, Exclusions.NONE, params);
            for (int threads : new int[] {1, 2}) {
                SameResults.assertSame(expected, ivf.searchRows(MemorySegment.ofArray(block.rowMajor()), offsets, 20,
                        Exclusions.NONE, params.withThreads(threads)), "margin " + margin + " threads " + threads);
            }
        }
    }

    @Test
    void aMarginThatIsNotANumberOrBelowZeroIsRefusedNamingTheSetting() {
        SearchParams params = SearchParams.defaults();
        for (float bad : new float[] {Float.NaN, -0.01f, Float.NEGATIVE_INFINITY}) {
            QuarryUsageException e = assertThrows(QuarryUsageException.class, () -> params.withProbeMargin(bad));
            assertTrue(e.getMessage().contains("probe"), e.getMessage());
        }
    }
}
