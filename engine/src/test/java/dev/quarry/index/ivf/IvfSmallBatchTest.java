package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A query gets the same lists, and so the same results, whatever block it is searched in and however
 * the search is split: alone (its centroids scored in panels), in a small block (centroids split
 * between threads), or in a large one (queries split between threads).
 */
class IvfSmallBatchTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    @TempDir
    static Path dir;

    private static VectorStore store;
    private static IvfIndex index;
    private static float[][] queries;

    @BeforeAll
    static void build() {
        SplittableRandom random = new SplittableRandom(21);
        store = VectorStore.copyOf("rows", TestVectors.rows(random, 6000, 24), false);
        Path file = dir.resolve("i.qivf");
        new IvfBuilder(KERNELS).build(store, new KMeansParams(300, 5, 64, 0, false, 3, 2), file, null);
        index = IvfIndex.open(file, store, KERNELS);
        queries = TestVectors.rows(random, 200, 24);
    }

    @AfterAll
    static void close() {
        index.close();
        store.close();
    }

    @Test
    void aQueryGetsTheSameResultsAloneInASmallBlockAndInALargeOne() {
        for (int threads : new int[] {1, 2, 3}) {
            SearchParams params = SearchParams.defaults().withNprobe(3).withThreads(threads);
            for (int n : new int[] {1, 3, 15, 16, 17, 64, 200}) {
                float[][] block = Arrays.copyOf(queries, n);
                TopK together = index.search(QueryBlock.of(block), 20, Exclusions.NONE, params);
                for (int q = 0; q < n; q++) {
                    TopK alone = index.search(QueryBlock.of(new float[][] {block[q]}), 20, Exclusions.NONE, params);
                    assertEquals(alone.count(0), together.count(q), "n=" + n + " threads=" + threads + " q=" + q);
                    for (int r = 0; r < alone.count(0); r++) {
                        assertEquals(alone.id(0, r), together.id(q, r), "n=" + n + " threads=" + threads + " q=" + q);
                        assertEquals(Float.floatToIntBits(alone.score(0, r)), Float.floatToIntBits(together.score(q, r)));
                    }
                }
            }
        }
    }

    @Test
    void firstListsAreTheSameForABlockAndForEachQueryAlone() {
        int[] first = index.firstLists(QueryBlock.of(queries));
        for (int q = 0; q < queries.length; q++) {
            assertEquals(index.firstLists(QueryBlock.of(new float[][] {queries[q]}))[0], first[q], "query " + q);
        }
    }
}
