package dev.quarry.bench;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.PqCodebook;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.FastScanKernel;
import dev.quarry.vector.FastScanLayout;
import dev.quarry.vector.FastScanTables;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * How much recall@100 4-bit product quantization keeps on a real set when its fast-scan top-R is rescored
 * exactly: trains a codebook of {@code m} sub-spaces x 16 centroids ({@link PqCodebook}: k-means per sub-space, on a
 * sample of the corpus, as a pq4 index's build does), encodes every row, and for each held-out query scans all rows with the fast-scan kernel, keeps the
 * top R by the kernel's integer sums (ties to the lower row), rescores them in float32 and compares the best 100
 * with the exact top-100 of a brute-force float32 pass ({@link FlatIndex}). A flat scan: the loss of an IVF probe
 * comes on top.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/quarry-bench.jar
 * dev.quarry.bench.PqRecallStudy CORPUS.qvec QUERIES.qvec OUT.tsv [queries=2000] [m=48,96] [r=100,200,400,1000]
 * [sample=65536]}. Prints and writes one line per (m, R): mean recall@100, its 5th percentile, queries at 0.95 or
 * more.
 */
public final class PqRecallStudy {
    private static final int K = 100;

    private PqRecallStudy() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: PqRecallStudy CORPUS.qvec QUERIES.qvec OUT.tsv [queries] [m,...] [r,...] [sample]");
            System.exit(2);
        }
        int queryCount = args.length > 3 ? Integer.parseInt(args[3]) : 2000;
        int[] ms = ints(args.length > 4 ? args[4] : "48,96");
        int[] rs = ints(args.length > 5 ? args[5] : "100,200,400,1000");
        int sample = args.length > 6 ? Integer.parseInt(args[6]) : 65_536;
        int rMax = Arrays.stream(rs).max().orElseThrow();
        VectorKernels kernels = VectorKernelsProvider.get();
        FastScanKernel fastScan = VectorKernelsProvider.fastScan();
        StringBuilder out = new StringBuilder("m\tR\tmean_recall_at_100\tp5_recall\tshare_ge_0.95\tqueries\n");
        try (VectorStore corpus = VectorStore.open(Path.of(args[0])); VectorStore queries = VectorStore.open(Path.of(args[1]))) {
            int n = Math.toIntExact(corpus.count());
            int dim = corpus.dim();
            float[][] q = new float[queryCount][dim];
            for (int i = 0; i < queryCount; i++) {
                queries.copyRow(i, q[i]);
            }
            long t0 = System.nanoTime();
            TopK exact;
            try (FlatIndex flat = new FlatIndex(corpus, kernels)) {
                exact = flat.search(QueryBlock.of(q), K, Exclusions.NONE, SearchParams.defaults().withThreads(2));
            }
            System.err.printf(Locale.ROOT, "exact top-%d of %d queries over %d rows: %.1f s%n", K, queryCount, n,
                    (System.nanoTime() - t0) / 1e9);
            for (int m : ms) {
                long t1 = System.nanoTime();
                float[] centroids = PqCodebook.train(corpus, m, sample, 17, kernels, 2).centroids();
                byte[] codes = new byte[n * m];
                IntStream.range(0, n).parallel().forEach(r -> {
                    float[] row = new float[dim];
                    corpus.copyRow(r, row);
                    FastScanTables.encode(row, dim, m, centroids, codes, r * m);
                });
                System.err.printf(Locale.ROOT, "m=%d: trained and encoded in %.1f s%n", m, (System.nanoTime() - t1) / 1e9);
                double[][] recall = new double[rs.length][queryCount];
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment packed = arena.allocate(FastScanLayout.bytes(n, m), 64);
                    FastScanLayout.pack(codes, n, m, packed, 0);
                    IntStream.range(0, queryCount).parallel().forEach(i -> {
                        byte[] tables = new byte[FastScanLayout.tableBytes(m)];
                        FastScanTables.quantize(FastScanTables.floatTables(q[i], dim, m, centroids), m, tables, 0);
                        int[] sums = new int[n];
                        fastScan.score(tables, 1, m, packed, 0, n, sums);
                        int[] best = topByKey(sums, rMax);
                        Set<Integer> truth = new HashSet<>();
                        for (int j = 0; j < exact.count(i); j++) {
                            truth.add(exact.id(i, j));
                        }
                        for (int x = 0; x < rs.length; x++) {
                            int r = Math.min(rs[x], best.length);
                            long[] rescored = new long[r];
                            for (int j = 0; j < r; j++) {
                                float s = kernels.dot(q[i], corpus.segment(), corpus.rowOffset(best[j]), dim);
                                rescored[j] = orderKey(s, best[j]);
                            }
                            Arrays.sort(rescored);
                            int hits = 0;
                            for (int j = 0; j < Math.min(K, r); j++) {
                                hits += truth.contains((int) (rescored[j] & 0xFFFFFFFFL)) ? 1 : 0;
                            }
                            recall[x][i] = hits / (double) truth.size();
                        }
                    });
                }
                for (int x = 0; x < rs.length; x++) {
                    double[] sorted = recall[x].clone();
                    Arrays.sort(sorted);
                    double mean = Arrays.stream(sorted).average().orElse(Double.NaN);
                    long good = Arrays.stream(sorted).filter(v -> v >= 0.95).count();
                    String line = String.format(Locale.ROOT, "%d\t%d\t%.4f\t%.2f\t%.3f\t%d", m, rs[x], mean,
                            sorted[(int) (0.05 * queryCount)], good / (double) queryCount, queryCount);
                    System.out.println(line);
                    out.append(line).append('\n');
                }
            }
        }
        Path target = Path.of(args[2]);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, out);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The {@code r} rows of the highest sums, highest first, ties to the lower row, by a bounded min-heap. */
    static int[] topByKey(int[] sums, int r) {
        int size = Math.min(r, sums.length);
        long[] heap = new long[size];
        int filled = 0;
        for (int i = 0; i < sums.length; i++) {
            // Larger key = better: the sum, then the lower row.
            long key = (long) sums[i] << 32 | (0x7FFFFFFFL - i);
            if (filled < size) {
                heap[filled] = key;
                siftUp(heap, filled++);
            } else if (key > heap[0]) {
                heap[0] = key;
                siftDown(heap, size);
            }
        }
        Arrays.sort(heap);
        int[] rows = new int[size];
        for (int j = 0; j < size; j++) {
            rows[j] = (int) (0x7FFFFFFFL - (heap[size - 1 - j] & 0xFFFFFFFFL));
        }
        return rows;
    }

    private static void siftUp(long[] heap, int i) {
        while (i > 0 && heap[(i - 1) / 2] > heap[i]) {
            long t = heap[i];
            heap[i] = heap[(i - 1) / 2];
            heap[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
    }

    private static void siftDown(long[] heap, int size) {
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) {
                return;
            }
            if (c + 1 < size && heap[c + 1] < heap[c]) {
                c++;
            }
            if (heap[i] <= heap[c]) {
                return;
            }
            long t = heap[i];
            heap[i] = heap[c];
            heap[c] = t;
            i = c;
        }
    }

    /** Ascending order = score descending, then row ascending; the row in the low 32 bits. */
    private static long orderKey(float score, int row) {
        int bits = Float.floatToIntBits(score);
        int sortable = bits >= 0 ? bits : bits ^ 0x7FFFFFFF; // monotone in the score
        return (long) ~sortable << 32 | (row & 0xFFFFFFFFL);
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
