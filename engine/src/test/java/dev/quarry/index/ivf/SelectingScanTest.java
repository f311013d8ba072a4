package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A search on one thread keeps each query's k best of a list by selection ({@link SelectingScan}); a search
 * whose lists are split between threads feeds the fused kernel's heaps. Both must give every query the same
 * ids and score bits: odd sizes, k below, at and above a list's rows, tied scores (duplicated rows, small
 * integer components), exclusions, and a query of NaN that finds nothing.
 */
class SelectingScanTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    @TempDir
    Path dir;

    @Test
    void oneThreadsSelectionGivesTheHeapsIdsAndScoreBits() throws IOException {
        SplittableRandom random = new SplittableRandom(17);
        int dim = 37;
        // Small integers: many exactly equal scores, so the ordinal tie-break decides ranks.
        float[][] rows = TestVectors.integers(random, 1501, dim, 3);
        for (int r = 0; r < 200; r++) {
            rows[1300 + r % 201] = rows[r].clone(); // duplicated rows: the same score under different ordinals
        }
        int n = 33;
        float[][] queries = TestVectors.integers(random, n, dim, 3);
        Arrays.fill(queries[5], Float.NaN);
        int[][] excluded = new int[n][];
        for (int q = 0; q < n; q += 2) {
            excluded[q] = new int[] {random.nextInt(1501), random.nextInt(1501)};
            Arrays.sort(excluded[q]);
        }
        try (VectorStore store = VectorStore.copyOf("rows", rows, false)) {
            Path file = Files.createTempFile(dir, "index", ".qivf");
            new IvfBuilder(KERNELS).build(store, new KMeansParams(13, 4, 64, 0, false, 42, 2), file, null);
            try (IvfIndex ivf = IvfIndex.open(file, store, KERNELS)) {
                for (int nprobe : new int[] {1, 3, 13}) {
                    for (int k : new int[] {1, 7, 100, 400}) {
                        for (int count : new int[] {1, 6, n}) {
                            QueryBlock block = QueryBlock.of(Arrays.copyOf(queries, count));
                            Exclusions exclusions = Exclusions.ofSorted(Arrays.copyOf(excluded, count));
                            SearchParams params = SearchParams.defaults().withNprobe(nprobe);
                            TopK selected = ivf.search(block, k, exclusions, params.withThreads(1));
                            TopK heaps = ivf.search(block, k, exclusions, params.withThreads(3));
                            String where = "nprobe=" + nprobe + " k=" + k + " queries=" + count;
                            SameResults.assertSame(heaps, selected, where);
                            if (count > 5) {
                                assertEquals(0, selected.count(5), where + ": the NaN query finds nothing");
                            }
                        }
                    }
                }
                TopK all = ivf.search(QueryBlock.of(queries[0]), 400, Exclusions.NONE,
                        SearchParams.defaults().withNprobe(13).withThreads(1));
                assertEquals(400, all.count(0));
                assertTrue(all.score(0, 0) >= all.score(0, 399), "best first");
            }
        }
    }
}
