package dev.quarry.mining;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.index.ivf.ListEncoding;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestFiles;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.CandidateSink;
import dev.quarry.vector.KernelMemory;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every segment the kernels read is of one class ({@link KernelMemory#KIND}), whoever made it: the stores of
 * each file format and in memory, the IVF index's file (float32 and int8 lists, the centroid graph), the
 * centroids an index build trains, and the searches and mining on top of them. A second class reaching a kernel
 * would let the JIT compile the kernel's loop twice, the second time slower (docs/architecture.md, "Index and
 * top-k"), so this records the class of every segment handed to a kernel and fails on any other.
 */
class KernelSegmentClassTest {
    private static final int DIM = 12;
    private static final int ROWS = 4096;

    @TempDir
    Path dir;

    @Test
    void everyStoreFormatHandsOutTheKernelsClass() {
        float[][] rows = TestVectors.normalized(TestVectors.rows(new SplittableRandom(3), 40, DIM));
        for (Path file : List.of(TestFiles.qvec(dir.resolve("a.qvec"), rows, true),
                TestFiles.npyF4(dir.resolve("a.npy"), rows), TestFiles.fvecs(dir.resolve("a.fvecs"), rows))) {
            try (VectorStore store = VectorStore.open(file)) {
                assertEquals(KernelMemory.KIND, store.segment().getClass(), file.toString());
                assertEquals(KernelMemory.KIND, store.row(7).getClass(), file + " row");
                store.preload(); // the file's own mapping still loads
            }
        }
        try (VectorStore copy = VectorStore.copyOf("rows", rows, true); Arena arena = Arena.ofShared()) {
            assertEquals(KernelMemory.KIND, copy.segment().getClass());
            MemorySegment mapped = copy.segment(); // any native segment a caller wraps
            try (VectorStore wrapped = VectorStore.wrap("wrapped", mapped, DIM, 40, 0, 4L * DIM, true)) {
                assertEquals(KernelMemory.KIND, wrapped.segment().getClass());
            }
            MemorySegment heap = MemorySegment.ofArray(new float[DIM * 40]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> VectorStore.wrap("heap", heap, DIM, 40, 0, 4L * DIM, true));
            assertTrue(e.getMessage().contains("heap"), e.getMessage());
        }
    }

    @Test
    void everySegmentTheKernelsReadIsOfOneClass() {
        Recording kernels = new Recording(VectorKernelsProvider.get());
        SplittableRandom random = new SplittableRandom(11);
        float[][] unit = TestVectors.normalized(TestVectors.rows(random, ROWS, DIM));
        float[][] plain = TestVectors.rows(random, ROWS, DIM);
        Path unitFile = TestFiles.npyF4(dir.resolve("unit.npy"), unit);
        Path plainFile = TestFiles.fvecs(dir.resolve("plain.fvecs"), plain);
        try (VectorStore unitStore = VectorStore.open(unitFile); VectorStore plainStore = VectorStore.open(plainFile)) {
            // Spherical with the centroid graph (nlist 1,024), float32 and int8 lists; Euclidean (the centroids'
            // norms read from the index file).
            IvfBuilder builder = new IvfBuilder(kernels);
            builder.build(unitStore, new KMeansParams(1024, 2, 4, 0, true, 5, 2), ListEncoding.FLOAT32,
                    dir.resolve("graph.qivf"), null);
            builder.build(unitStore, new KMeansParams(32, 3, 64, 0, true, 5, 2), ListEncoding.INT8,
                    dir.resolve("int8.qivf"), null);
            builder.build(plainStore, new KMeansParams(32, 3, 64, 0, false, 5, 2), ListEncoding.FLOAT32,
                    dir.resolve("euclid.qivf"), null);
            int n = 70;
            float[][] anchors = new float[n][];
            int[][] positives = new int[n][];
            long[] offsets = new long[n];
            for (int a = 0; a < n; a++) {
                anchors[a] = unit[a * 31];
                positives[a] = new int[] {a * 31};
                offsets[a] = unitStore.rowOffset(a * 31);
            }
            SearchParams search = SearchParams.defaults().withNprobe(2).withThreads(2);
            try (IvfIndex graph = IvfIndex.open(dir.resolve("graph.qivf"), unitStore, kernels);
                 IvfIndex int8 = IvfIndex.open(dir.resolve("int8.qivf"), unitStore, kernels);
                 IvfIndex euclid = IvfIndex.open(dir.resolve("euclid.qivf"), plainStore, kernels)) {
                mine(unitStore, graph, kernels, search.withCoarse(SearchParams.Coarse.GRAPH), anchors, positives);
                mine(unitStore, graph, kernels, search, anchors, positives);
                mine(unitStore, int8, kernels, search, anchors, positives);
                mine(unitStore, new FlatIndex(unitStore, kernels), kernels, search, anchors, positives);
                mine(plainStore, euclid, kernels, search, anchors, positives);
                // The batch search of `quarry mine`: queries read in place from a store.
                graph.searchRows(unitStore.segment(), offsets, 10, Exclusions.NONE, search);
                // One block whose lists are split between two threads (the fused kernel and its heaps; a search
                // on one thread scores whole lists), and one of fewer than 16 queries (the centroid panels).
                euclid.search(QueryBlock.of(Arrays.copyOf(anchors, 20)), 10, Exclusions.NONE, search);
                graph.search(QueryBlock.of(Arrays.copyOf(anchors, 3)), 10, Exclusions.NONE,
                        search.withThreads(1));
                try (Miner miner = Miner.builder(unitStore).index(graph).kernels(kernels).search(search)
                        .warmUp(false).build()) {
                    miner.mine(unitStore.segment(), unitStore.rowOffset(0), unitStore.rowStride() * 31, n, positives);
                }
            }
        }
        Map<String, Set<Class<?>>> seen = new TreeMap<>(kernels.seen);
        for (String kernel : List.of("scorePanels", "scorePanelsTopK", "scoreBlockTopK", "scoreCodePanelsTopK",
                "laneDots", "dot(float[], segment)", "dot(segment, segment)", "squaredNorm(segment)")) {
            assertTrue(seen.containsKey(kernel), "no call of " + kernel + " recorded: " + seen.keySet());
        }
        seen.forEach((kernel, classes) -> assertEquals(Set.of(KernelMemory.KIND), classes, kernel));
    }

    private static void mine(VectorStore corpus, dev.quarry.index.VectorIndex index, VectorKernels kernels,
                             SearchParams search, float[][] anchors, int[][] positives) {
        try (Miner miner = Miner.builder(corpus).index(index).kernels(kernels).search(search).warmUp(false).build()) {
            List<MinedAnchor> mined = miner.mine(anchors, positives);
            assertEquals(anchors.length, mined.size());
        }
    }

    /** The kernels, recording the class of every segment each kernel is handed. */
    private static final class Recording implements VectorKernels {
        final Map<String, Set<Class<?>>> seen = new ConcurrentHashMap<>();
        private final VectorKernels kernels;

        Recording(VectorKernels kernels) {
            this.kernels = kernels;
        }

        private void saw(String kernel, MemorySegment segment) {
            seen.computeIfAbsent(kernel, k -> ConcurrentHashMap.newKeySet()).add(segment.getClass());
        }

        @Override
        public String description() {
            return "recording " + kernels.description();
        }

        @Override
        public float dot(float[] a, float[] b, int dim) {
            return kernels.dot(a, b, dim);
        }

        @Override
        public float dot(float[] query, MemorySegment rows, long offset, int dim) {
            saw("dot(float[], segment)", rows);
            return kernels.dot(query, rows, offset, dim);
        }

        @Override
        public float dot(MemorySegment a, long aOffset, MemorySegment b, long bOffset, int dim) {
            saw("dot(segment, segment)", a);
            saw("dot(segment, segment)", b);
            return kernels.dot(a, aOffset, b, bOffset, dim);
        }

        @Override
        public void dotRows(float[] query, int dim, MemorySegment rows, long firstRowOffset, long rowStride,
                            int rowCount, float[] out, int outOffset) {
            saw("dotRows", rows);
            kernels.dotRows(query, dim, rows, firstRowOffset, rowStride, rowCount, out, outOffset);
        }

        @Override
        public void scoreBlock(QueryBlock queries, MemorySegment rows, long firstRowOffset, long rowStride,
                               int rowCount, float[] scores) {
            saw("scoreBlock", rows);
            kernels.scoreBlock(queries, rows, firstRowOffset, rowStride, rowCount, scores);
        }

        @Override
        public void scoreBlockTopK(QueryBlock queries, MemorySegment rows, long firstRowOffset, long rowStride,
                                   int rowCount, float[] thresholds, CandidateSink sink) {
            saw("scoreBlockTopK", rows);
            kernels.scoreBlockTopK(queries, rows, firstRowOffset, rowStride, rowCount, thresholds, sink);
        }

        @Override
        public void scorePanelsTopK(QueryBlock queries, MemorySegment panels, long offset, int rowCount,
                                    float[] thresholds, CandidateSink sink) {
            saw("scorePanelsTopK", panels);
            kernels.scorePanelsTopK(queries, panels, offset, rowCount, thresholds, sink);
        }

        @Override
        public void scorePanels(QueryBlock queries, MemorySegment panels, long offset, int rowCount, float[] scores,
                                int stride) {
            saw("scorePanels", panels);
            kernels.scorePanels(queries, panels, offset, rowCount, scores, stride);
        }

        @Override
        public int indicesAtLeast(float[] values, int from, int n, float threshold, int[] rows) {
            return kernels.indicesAtLeast(values, from, n, threshold, rows);
        }

        @Override
        public int countAtLeast(int[] values, int n, int threshold) {
            return kernels.countAtLeast(values, n, threshold);
        }

        @Override
        public void scoreCodePanelsTopK(QueryBlock queries, MemorySegment panels, long offset, int rowCount,
                                        float[] thresholds, CandidateSink sink) {
            saw("scoreCodePanelsTopK", panels);
            kernels.scoreCodePanelsTopK(queries, panels, offset, rowCount, thresholds, sink);
        }

        @Override
        public void laneDots(float[] query, int dim, MemorySegment rows, long[] offsets, int count, float[] out) {
            saw("laneDots", rows);
            kernels.laneDots(query, dim, rows, offsets, count, out);
        }

        @Override
        public void prepare(QueryBlock queries) {
            kernels.prepare(queries);
        }

        @Override
        public float squaredNorm(float[] v, int offset, int dim) {
            return kernels.squaredNorm(v, offset, dim);
        }

        @Override
        public float squaredNorm(MemorySegment v, long offset, int dim) {
            saw("squaredNorm(segment)", v);
            return kernels.squaredNorm(v, offset, dim);
        }

        @Override
        public void scale(float[] v, int offset, int dim, float factor) {
            kernels.scale(v, offset, dim, factor);
        }

        @Override
        public void axpy(float a, float[] x, int xOffset, float[] y, int yOffset, int dim) {
            kernels.axpy(a, x, xOffset, y, yOffset, dim);
        }
    }
}
