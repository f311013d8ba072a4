package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.VectorIndexContract;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The super-block search ({@link IvfIndex#searchRows}) against the shared index suite, probing every
 * list (it must equal brute force exactly), and against the block search at small nprobe: the same
 * lists, ids and score bits for every query, whatever the threads and wherever the queries sit.
 */
class IvfBatchSearchTest extends VectorIndexContract {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    @TempDir
    Path dir;

    /** The index searched through {@link IvfIndex#searchRows}, queries read in place from the block's array. */
    private record RowsSearch(IvfIndex ivf) implements VectorIndex {
        @Override
        public int dim() {
            return ivf.dim();
        }

        @Override
        public long size() {
            return ivf.size();
        }

        @Override
        public String describe() {
            return "batch " + ivf.describe();
        }

        @Override
        public TopK search(QueryBlock queries, int k, Exclusions exclusions, SearchParams params) {
            long[] offsets = new long[queries.count()];
            for (int q = 0; q < offsets.length; q++) {
                offsets[q] = 4L * queries.dim() * q;
            }
            return ivf.searchRows(MemorySegment.ofArray(queries.rowMajor()), offsets, k, exclusions, params);
        }

        @Override
        public void close() {
            ivf.close();
        }
    }

    private IvfIndex build(VectorStore store, int nlist) {
        try {
            Path file = Files.createTempFile(dir, "index", ".qivf");
            new IvfBuilder(KERNELS).build(store, new KMeansParams(nlist, 4, 64, 0, false, 42, 2), file, null);
            return IvfIndex.open(file, store, KERNELS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected VectorIndex create(VectorStore store) {
        return new RowsSearch(build(store, (int) Math.max(1, Math.min(store.count(), store.count() / 40 + 1))));
    }

    @Override
    protected SearchParams exactParams(VectorIndex index) {
        return SearchParams.defaults().withNprobe(((RowsSearch) index).ivf().nlist());
    }

    @Test
    void anInt8IndexOrTheCentroidGraphIsLeftToTheBlockSearch() throws IOException {
        float[][] rows = TestVectors.rows(new SplittableRandom(5), 600, 16);
        try (VectorStore store = VectorStore.copyOf("rows", rows, false)) {
            Path file = Files.createTempFile(dir, "int8", ".qivf");
            new IvfBuilder(KERNELS).build(store, new KMeansParams(8, 4, 64, 0, false, 42, 2), ListEncoding.INT8, file,
                    null);
            try (IvfIndex int8 = IvfIndex.open(file, store, KERNELS); IvfIndex plain = build(store, 8)) {
                SearchParams params = SearchParams.defaults().withNprobe(2);
                assertTrue(plain.searchesRows(params));
                assertTrue(plain.searchesRows(params.withCoarse(SearchParams.Coarse.AUTO)));
                assertFalse(plain.searchesRows(params.withCoarse(SearchParams.Coarse.GRAPH)));
                assertFalse(int8.searchesRows(params)); // its codes are not float32 panels
                long[] one = {store.rowOffset(0)};
                assertThrows(IllegalArgumentException.class,
                        () -> int8.searchRows(store.segment(), one, 5, Exclusions.NONE, params));
            }
        }
    }

    @Test
    void givesEachQueryTheBlockSearchsListsIdsAndScoreBits() {
        SplittableRandom random = new SplittableRandom(31);
        int dim = 40;
        float[][] rows = TestVectors.rows(random, 7000, dim);
        int n = 2500; // more than one coarse chunk, with a partial last one
        float[][] queries = TestVectors.rows(random, n, dim);
        int[][] excluded = new int[n][];
        for (int q = 0; q < n; q += 3) {
            excluded[q] = new int[] {random.nextInt(7000)};
        }
        try (VectorStore store = VectorStore.copyOf("rows", rows, false); IvfIndex ivf = build(store, 120);
             Arena arena = Arena.ofShared()) {
            // Queries scattered in a segment with a lead and a stride, as anchors sit in a store.
            long lead = 12;
            long stride = 4L * dim + 20;
            MemorySegment segment = TestVectors.segment(arena, queries, lead, stride);
            long[] offsets = new long[n];
            for (int q = 0; q < n; q++) {
                offsets[q] = lead + stride * ((q * 7L) % n); // query q is row (7q mod n)
            }
            float[][] ordered = new float[n][];
            int[][] orderedExcluded = new int[n][];
            for (int q = 0; q < n; q++) {
                ordered[q] = queries[(int) ((q * 7L) % n)];
                orderedExcluded[q] = excluded[q];
            }
            for (int nprobe : new int[] {1, 4}) {
                TopK expected = ivf.search(QueryBlock.of(ordered), 30, Exclusions.ofSorted(orderedExcluded),
                        SearchParams.defaults().withNprobe(nprobe));
                for (int threads : new int[] {1, 2, 3}) {
                    TopK actual = ivf.searchRows(segment, offsets, 30, Exclusions.ofSorted(orderedExcluded),
                            SearchParams.defaults().withNprobe(nprobe).withThreads(threads));
                    for (int q = 0; q < n; q++) {
                        String where = "nprobe=" + nprobe + " threads=" + threads + " q=" + q;
                        assertEquals(expected.count(q), actual.count(q), where);
                        for (int r = 0; r < expected.count(q); r++) {
                            assertEquals(expected.id(q, r), actual.id(q, r), where + " rank " + r);
                            assertEquals(Float.floatToRawIntBits(expected.score(q, r)),
                                    Float.floatToRawIntBits(actual.score(q, r)), where + " rank " + r);
                        }
                    }
                }
            }
        }
    }
}
