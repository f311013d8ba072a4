package dev.quarry.index.ivf;

import dev.quarry.QuarryDataException;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.FastScanLayout;
import dev.quarry.vector.FastScanTables;
import dev.quarry.vector.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The codebook of 4-bit product quantization: the {@code dim} components split into {@code m} runs of
 * {@code dim / m} (sub-spaces), each with 16 centroids trained by Euclidean k-means ({@link KMeans}) on that
 * run of a sample of the corpus. A row is stored as one 4-bit code per sub-space (its nearest centroid), and a
 * query scores it by adding one table entry per sub-space ({@link FastScanTables}).
 *
 * <p>The codes quantize the raw vectors, not their residuals from the list's centroid (FAISS's IVF-PQ default):
 * one query's tables then serve every list it probes, so a call builds {@code m x 16} entries once per query
 * instead of once per probed list (160 times at nprobe 160), at the price of a coarser code where residuals
 * would be smaller. The candidates are rescored in float32, so that price is paid in candidates, not in scores.
 *
 * <p>Layout ({@code centroids[(s x 16 + e) x dim / m + i]}) and file form: {@code 16 x dim} float32. Immutable;
 * thread-safe.
 */
public final class PqCodebook {
    /** Centroids per sub-space: the values of a 4-bit code. */
    public static final int ENTRIES = FastScanLayout.ENTRIES;
    /** Rows of the corpus each sub-space's k-means trains on by default. */
    public static final int DEFAULT_SAMPLE = 65_536;
    /** Lloyd iterations per sub-space (16 centroids in a few dimensions settle within these). */
    private static final int ITERATIONS = 25;

    private final int dim;
    private final int m;
    private final float[] centroids;

    private PqCodebook(int dim, int m, float[] centroids) {
        this.dim = dim;
        this.m = m;
        this.centroids = centroids;
    }

    /**
     * The sub-spaces of a dim when none is asked for: {@code dim / s} with {@code s} the divisor of dim nearest 4
     * (the smaller on a tie), so a sub-space holds 4 components where dim allows it (m = 96 at 384, the
     * setting measured on real embeddings: 48 bytes a row), and never a padded one.
     */
    public static int defaultSubspaces(int dim) {
        if (dim < 1) {
            throw new IllegalArgumentException("dim=" + dim + ", expected >= 1");
        }
        int best = 1;
        for (int s = 1; s <= dim; s++) {
            if (dim % s == 0 && Math.abs(s - 4) < Math.abs(best - 4)) {
                best = s;
            }
        }
        return dim / best;
    }

    /** Checks that {@code m} sub-spaces split {@code dim}: the error names the option. */
    public static void checkSubspaces(int dim, int m) {
        if (m < 1 || m > dim || dim % m != 0) {
            throw new dev.quarry.QuarryUsageException("pq-subspaces", m, "a divisor of dim=" + dim + " (the default "
                    + defaultSubspaces(dim) + ")");
        }
    }

    /**
     * Trains the codebook of {@code m} sub-spaces on up to {@code sample} rows of {@code store} drawn with
     * {@code seed}: per sub-space, Euclidean k-means of 16 centroids on that run of every sampled row.
     */
    public static PqCodebook train(VectorStore store, int m, int sample, long seed, VectorKernels kernels,
                                   int threads) {
        int dim = store.dim();
        checkSubspaces(dim, m);
        if (store.count() < ENTRIES) {
            throw new QuarryDataException(store.path(), "count", store.count(), "at least " + ENTRIES
                    + " rows to train 4-bit product-quantization codebooks");
        }
        int sub = dim / m;
        long[] rows = KMeans.sample(store.count(), Math.min(Math.max(sample, ENTRIES), store.count()), seed);
        float[][] sampled = new float[rows.length][dim];
        for (int i = 0; i < rows.length; i++) {
            store.copyRow(rows[i], sampled[i]);
        }
        float[] centroids = new float[ENTRIES * dim];
        KMeans kmeans = new KMeans(kernels);
        float[][] part = new float[rows.length][];
        for (int s = 0; s < m; s++) {
            for (int i = 0; i < rows.length; i++) {
                part[i] = Arrays.copyOfRange(sampled[i], s * sub, (s + 1) * sub);
            }
            try (VectorStore points = VectorStore.copyOf("subspace-" + s, part, false)) {
                // Every sampled point trains (no cap below the sample): 16 centroids need few points, but
                // these are cheap and the tails of a sub-space decide the codes of rare rows.
                float[] c = kmeans.train(points, new KMeansParams(ENTRIES, ITERATIONS, rows.length / ENTRIES + 1, 0,
                        false, seed + 1 + s, Math.max(1, threads)), null).centroids();
                System.arraycopy(c, 0, centroids, s * ENTRIES * sub, ENTRIES * sub);
            }
        }
        return new PqCodebook(dim, m, centroids);
    }

    /** The codebook stored at byte {@code at} of an index file, each entry checked finite. */
    static PqCodebook read(Path file, MemorySegment data, long at, int dim, int m) {
        float[] centroids = new float[ENTRIES * dim];
        MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED, at, centroids, 0, centroids.length);
        for (int i = 0; i < centroids.length; i++) {
            if (!Float.isFinite(centroids[i])) {
                throw new QuarryDataException(file, "pq codebook[" + i + "]", centroids[i], "a finite float");
            }
        }
        return new PqCodebook(dim, m, centroids);
    }

    /** Sub-spaces. */
    public int subspaces() {
        return m;
    }

    /** The dimension of the rows. */
    public int dim() {
        return dim;
    }

    /** A copy of the centroids, {@code centroids[(s x 16 + e) x dim / m + i]}. */
    public float[] centroids() {
        return centroids.clone();
    }

    /** The codes (0..15) of {@code row} into {@code out[at .. at + m)}. */
    public void encode(float[] row, byte[] out, int at) {
        FastScanTables.encode(row, dim, m, centroids, out, at);
    }

    /**
     * Query {@code query}'s uint8 tables into {@code out} at {@code at} ({@link FastScanLayout#tableBytes}
     * bytes), and the mapping of its sums back to scores.
     */
    public FastScanTables.Scale tables(float[] query, byte[] out, int at) {
        return FastScanTables.quantize(FastScanTables.floatTables(query, dim, m, centroids), m, out, at);
    }
}
