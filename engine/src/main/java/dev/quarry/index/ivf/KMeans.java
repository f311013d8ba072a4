package dev.quarry.index.ivf;

import dev.quarry.Seeds;
import dev.quarry.index.TopK;
import dev.quarry.index.TopKCollector;
import dev.quarry.Progress;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * Seeded k-means over the rows of a store, as FAISS does it: a training sample capped at
 * {@code k x maxPointsPerCentroid} points, initialization from k distinct sample points (FAISS's
 * default; k-means++ costs k sequential passes over the sample, far too many for k = 4096), Lloyd
 * iterations whose assignment step runs the block kernel on all threads, and repair of empty
 * clusters by splitting a large one. Spherical k-means normalizes the centroids after each update.
 *
 * <p>Deterministic for a seed whatever the thread count: assignments are a function of the point,
 * and the centroid sums are accumulated in point order on one thread.
 */
public final class KMeans {
    static final int BLOCK = 256;
    private static final float EPS = 1f / 1024;

    private final VectorKernels kernels;

    public KMeans(VectorKernels kernels) {
        this.kernels = kernels;
    }

    /**
     * What training produced.
     *
     * @param centroids k x dim, row-major
     * @param sample points trained on
     * @param emptyRepaired empty clusters found and repaired over all iterations
     * @param objective mean assignment score of the last iteration (mean cosine for spherical)
     * @param seconds wall time
     */
    public record Result(float[] centroids, long sample, long emptyRepaired, double objective, double seconds) {
    }

    /** Trains on {@code store}; progress lines go to {@code progress} (may be null). */
    public Result train(VectorStore store, KMeansParams params, PrintWriter progress) {
        long start = System.nanoTime();
        int k = params.k();
        int dim = store.dim();
        long n = store.count();
        if (k > n) {
            throw new CommandSettingError(CommandSetting.NLIST,
                    k, "at most the number of vectors (" + n + " in " + store.path()
                    + ")");
        }
        long cap = (long) k * params.maxPointsPerCentroid();
        if (params.maxTrainingPoints() > 0) {
            cap = Math.min(cap, params.maxTrainingPoints());
        }
        if (cap < k) {
            throw new CommandSettingError(CommandSetting.MAX_TRAINING_POINTS,
                    params.maxTrainingPoints(), "at least nlist=" + k
                    + " points (one per centroid)");
        }
        long[] rows = sample(n, Math.min(n, cap), params.seed());
        int m = rows.length;
        try (Arena arena = Arena.ofShared(); ExecutorService pool = Executors.newFixedThreadPool(params.threads())) {
            MemorySegment points = arena.allocate(4L * dim * m, 64);
            for (int i = 0; i < m; i++) {
                MemorySegment.copy(store.segment(), store.rowOffset(rows[i]), points, 4L * dim * i, 4L * dim);
            }
            float[] centroids = initialize(points, m, k, dim, params.seed());
            int[] assign = new int[m];
            float[] best = new float[m];
            long repaired = 0;
            double objective = Double.NaN;
            for (int it = 0; it < params.iterations(); it++) {
                assign(pool, params.threads(), points, 0, 4L * dim, m, dim, centroids, k, !params.spherical(), assign,
                        best);
                objective = mean(best);
                repaired += update(points, m, dim, centroids, k, assign, params.spherical(),
                        Seeds.random(params.seed(), 1000 + it));
                if (progress != null) {
                    progress.printf(Locale.ROOT, "k-means iteration %d/%d: objective %.5f, %s%n", it + 1,
                            params.iterations(), objective, Progress.duration((System.nanoTime() - start) / 1e9));
                }
            }
            return new Result(centroids, m, repaired, objective, (System.nanoTime() - start) / 1e9);
        }
    }

    /** Trains on {@code points} and returns the cluster of every row (for grouping, not indexing). */
    public int[] cluster(VectorStore points, KMeansParams params) {
        Result trained = train(points, params, null);
        int n = Math.toIntExact(points.count());
        int[] assign = new int[n];
        try (ExecutorService pool = Executors.newFixedThreadPool(params.threads())) {
            assign(pool, params.threads(), points.segment(), points.rowOffset(0), points.rowStride(), n, points.dim(),
                    trained.centroids(), params.k(), !params.spherical(), assign, new float[n]);
        }
        return assign;
    }

    /** The list of every row of {@code store} under {@code centroids} ({@code k x dim}), as an index built with them holds it. */
    public int[] assignRows(VectorStore store, float[] centroids, int k, boolean euclidean, int threads) {
        int n = Math.toIntExact(store.count());
        int[] assign = new int[n];
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            assign(pool, threads, store.segment(), store.rowOffset(0), store.rowStride(), n, store.dim(), centroids, k,
                    euclidean, assign, new float[n]);
        }
        return assign;
    }

    /**
     * The {@code m} best centroids of each of the given rows of {@code queries}, best first, as an index
     * built with {@code centroids} probes them: {@code result[i * m + j]} is query i's j-th list.
     */
    public int[] bestCentroids(VectorStore queries, long[] rows, float[] centroids, int k, boolean euclidean, int m) {
        int dim = queries.dim();
        int[] out = new int[rows.length * m];
        try (Arena arena = Arena.ofShared()) {
            CentroidScorer scorer = CentroidScorer.of(kernels, centroids, k, dim, euclidean, arena);
            QueryBlock block = scorer.newBlock(BLOCK);
            float[] scratch = new float[dim + 1];
            TopKCollector best = new TopKCollector(BLOCK, m);
            for (int first = 0; first < rows.length; first += BLOCK) {
                int size = Math.min(BLOCK, rows.length - first);
                block.clear();
                for (int i = 0; i < size; i++) {
                    scorer.add(block, queries.segment(), queries.rowOffset(rows[first + i]), scratch);
                }
                best.reset(size, null);
                scorer.best(block, best);
                TopK top = best.result();
                for (int i = 0; i < size; i++) {
                    for (int j = 0; j < m; j++) {
                        out[(first + i) * m + j] = j < top.count(i) ? top.id(i, j) : -1;
                    }
                }
            }
        }
        return out;
    }

    /**
     * Assigns every point of a segment ({@code count} rows of {@code dim} floats, row i at byte
     * {@code offset + i * stride}) to its best centroid, on {@code threads} threads: {@code assign[i]}
     * and {@code best[i]} receive the centroid and its score.
     */
    void assign(ExecutorService pool, int threads, MemorySegment points, long offset, long stride, long count,
                int dim, float[] centroids, int k, boolean euclidean, int[] assign, float[] best) {
        assign(pool, threads, points, offset, stride, count, dim, centroids, k, euclidean, assign, best,
                Progress.silent());
    }

    /** As above, each block of rows counted on {@code progress} once assigned (an index of 10M rows takes minutes). */
    void assign(ExecutorService pool, int threads, MemorySegment points, long offset, long stride, long count,
                int dim, float[] centroids, int k, boolean euclidean, int[] assign, float[] best, Progress progress) {
        try (Arena arena = Arena.ofShared()) {
            CentroidScorer scorer = CentroidScorer.of(kernels, centroids, k, dim, euclidean, arena);
            long blocks = (count + BLOCK - 1) / BLOCK;
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long from = blocks * t / threads;
                long to = blocks * (t + 1) / threads;
                futures.add(pool.submit(() -> {
                    QueryBlock block = scorer.newBlock(BLOCK);
                    float[] scratch = new float[dim + 1];
                    TopKCollector one = new TopKCollector(BLOCK, 1);
                    for (long b = from; b < to; b++) {
                        long first = b * BLOCK;
                        int size = (int) Math.min(BLOCK, count - first);
                        block.clear();
                        for (int i = 0; i < size; i++) {
                            scorer.add(block, points, offset + stride * (first + i), scratch);
                        }
                        one.reset(size, null);
                        scorer.best(block, one);
                        TopK top = one.result();
                        for (int i = 0; i < size; i++) {
                            assign[(int) (first + i)] = top.id(i, 0);
                            best[(int) (first + i)] = top.score(i, 0);
                        }
                        progress.advance(size);
                    }
                }));
            }
            awaitAll(futures);
        }
    }

    /**
     * Waits for every task, even after one failed or the caller was interrupted (the tasks read the scorer's
     * arena, closed once this returns), then rethrows the first failure, the others suppressed.
     */
    private static void awaitAll(List<Future<?>> futures) {
        Throwable failure = null;
        InterruptedException interrupted = null;
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = e;
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    } else {
                        failure.addSuppressed(e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted != null) {
            Thread.currentThread().interrupt();
            IllegalStateException e = new IllegalStateException("interrupted during k-means", interrupted);
            if (failure != null) {
                e.addSuppressed(failure);
            }
            throw e;
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure != null) {
            throw new IllegalStateException("k-means assignment failed", failure);
        }
    }

    /** Recomputes centroids as the means of their points; returns how many empty clusters were repaired. */
    private static int update(MemorySegment points, int m, int dim, float[] centroids, int k, int[] assign,
                              boolean spherical, SplittableRandom random) {
        double[] sums = new double[k * dim];
        long[] counts = new long[k];
        for (int i = 0; i < m; i++) {
            int c = assign[i];
            counts[c]++;
            long base = 4L * dim * i;
            int sb = c * dim;
            for (int j = 0; j < dim; j++) {
                sums[sb + j] += points.get(ValueLayout.JAVA_FLOAT_UNALIGNED, base + 4L * j);
            }
        }
        for (int c = 0; c < k; c++) {
            if (counts[c] > 0) {
                for (int j = 0; j < dim; j++) {
                    centroids[c * dim + j] = (float) (sums[c * dim + j] / counts[c]);
                }
            }
        }
        int repaired = 0;
        for (int c = 0; c < k; c++) {
            if (counts[c] > 0) {
                continue;
            }
            // Split a cluster chosen with probability proportional to its size beyond one point.
            int big = pickLarge(counts, m, random);
            for (int j = 0; j < dim; j++) {
                float v = centroids[big * dim + j];
                float jitter = (j % 2 == 0 ? 1 : -1) * EPS;
                centroids[c * dim + j] = v * (1 + jitter);
                centroids[big * dim + j] = v * (1 - jitter);
            }
            counts[c] = counts[big] / 2;
            counts[big] -= counts[c];
            repaired++;
        }
        if (spherical) {
            for (int c = 0; c < k; c++) {
                double norm = 0;
                for (int j = 0; j < dim; j++) {
                    norm += (double) centroids[c * dim + j] * centroids[c * dim + j];
                }
                if (norm > 0) {
                    float inv = (float) (1 / Math.sqrt(norm));
                    for (int j = 0; j < dim; j++) {
                        centroids[c * dim + j] *= inv;
                    }
                }
            }
        }
        return repaired;
    }

    private static int pickLarge(long[] counts, long m, SplittableRandom random) {
        long total = 0;
        for (long c : counts) {
            total += Math.max(0, c - 1);
        }
        long r = total > 0 ? random.nextLong(total) : 0;
        for (int c = 0; c < counts.length; c++) {
            long w = Math.max(0, counts[c] - 1);
            if (r < w) {
                return c;
            }
            r -= w;
        }
        return 0;
    }

    /** k distinct sample points (seeded), copied as the first centroids. */
    private static float[] initialize(MemorySegment points, int m, int k, int dim, long seed) {
        int[] chosen = choose(m, k, Seeds.random(seed, -7));
        float[] centroids = new float[k * dim];
        for (int c = 0; c < k; c++) {
            MemorySegment.copy(points, ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * dim * chosen[c], centroids, c * dim, dim);
        }
        return centroids;
    }

    /** A sorted uniform sample of {@code size} of the rows {@code [0, n)}. */
    static long[] sample(long n, long size, long seed) {
        if (size >= n) {
            long[] all = new long[(int) n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] picked = choose((int) n, (int) size, Seeds.random(seed, -3));
        long[] rows = Arrays.stream(picked).asLongStream().toArray();
        Arrays.sort(rows);
        return rows;
    }

    /** {@code size} distinct ints of {@code [0, n)}, by a partial Fisher-Yates shuffle. */
    private static int[] choose(int n, int size, SplittableRandom random) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        for (int i = 0; i < size; i++) {
            int j = i + random.nextInt(n - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return Arrays.copyOf(perm, size);
    }

    private static double mean(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        return values.length == 0 ? Double.NaN : sum / values.length;
    }
}
