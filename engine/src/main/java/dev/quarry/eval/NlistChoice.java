package dev.quarry.eval;

import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.KMeans;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Chooses the number of lists of an IVF index for a corpus and for batch mining
 * ({@code quarry index build --nlist auto}), by arithmetic checked with a measured recall.
 *
 * <p>Per anchor, a search multiplies {@code nlist x d} (the centroids) plus
 * {@code nprobe x (N / nlist) x d} (the probed lists). The centroids are one dense matrix product, run
 * near the FMA peak; a list is scored against the anchors of a super-block that probe it, about
 * {@code m = S x nprobe / (nlist x threads)} of them per thread, so each of its rows read from memory
 * serves m dot products. Below {@value #SATURATING_ANCHORS} anchors per list the scan is bound by
 * the bytes rather than the FMAs, and its multiply-adds count {@code SATURATING_ANCHORS / m} times.
 * Fewer, larger lists cost fewer centroids but need more recall per probe, so the cheapest setting is
 * measured, not assumed: for each candidate nlist (powers of two around {@code sqrt(N)}), k-means is
 * trained as the build would train it, every row is assigned to its list, and recall@k of a sample
 * of queries against exact search is counted for nprobe 1, 2, 4, ... until it reaches the target.
 * The candidate whose cheapest such nprobe costs least wins; its centroids are kept for the build.
 * Deterministic for a seed.
 */
public final class NlistChoice {
    /** Anchors per list and thread from which a list scan runs at the centroid scan's rate (measured). */
    static final double SATURATING_ANCHORS = 16;
    /** The largest nprobe tried. */
    private static final int MAX_NPROBE = 64;

    private NlistChoice() {
    }

    /**
     * One nlist tried.
     *
     * @param nlist lists
     * @param trainSeconds k-means time (0 when skipped)
     * @param nprobes the nprobe values measured
     * @param recalls recall@k at each of them
     * @param nprobe the smallest nprobe reaching the target, or 0 when none did (or not trained)
     * @param cost modelled multiply-adds per anchor at that nprobe (centroids + lists with their intensity
     *             factor), or the lower bound that ruled the candidate out untried
     * @param tried whether k-means ran (false: ruled out by the arithmetic alone)
     */
    public record Candidate(int nlist, double trainSeconds, int[] nprobes, double[] recalls, int nprobe, double cost,
                            boolean tried) {
        /** Recall at {@link #nprobe}, or NaN. */
        public double recall() {
            for (int i = 0; i < nprobes.length; i++) {
                if (nprobes[i] == nprobe) {
                    return recalls[i];
                }
            }
            return Double.NaN;
        }
    }

    /**
     * The choice.
     *
     * @param nlist the chosen number of lists
     * @param nprobe the nprobe that reaches the target with it (what to mine with)
     * @param trained its k-means result, for the build
     * @param candidates every nlist considered, ascending
     * @param why one sentence for the user
     */
    public record Result(int nlist, int nprobe, KMeans.Result trained, List<Candidate> candidates, String why) {
        /** The table of candidates and the choice, for the command line. */
        public String describe(double target, int k) {
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "%8s %10s %8s %12s %14s%n", "nlist", "k-means s", "nprobe",
                    "recall@" + k, "MMAC/anchor"));
            for (Candidate c : candidates) {
                if (!c.tried()) {
                    out.append(String.format(Locale.ROOT, "%8d %10s %8s %12s %14.2f  (ruled out: at least this)%n",
                            c.nlist(), "-", "-", "-", c.cost() / 1e6));
                } else if (c.nprobe() == 0) {
                    out.append(String.format(Locale.ROOT, "%8d %10.1f %8s %12.4f %14s  (below %.2f at nprobe %d)%n",
                            c.nlist(), c.trainSeconds(), "-", c.recalls()[c.recalls().length - 1], "-", target,
                            c.nprobes()[c.nprobes().length - 1]));
                } else {
                    out.append(String.format(Locale.ROOT, "%8d %10.1f %8d %12.4f %14.2f%s%n", c.nlist(),
                            c.trainSeconds(), c.nprobe(), c.recall(), c.cost() / 1e6,
                            c.nlist() == nlist ? "  <- chosen" : ""));
                }
            }
            return out.append(why).toString();
        }
    }

    /**
     * Chooses nlist for {@code store}.
     *
     * @param base k-means settings (its k is ignored: each candidate sets its own)
     * @param queries where the check's queries come from, or null for rows of the store (each then
     *                excluded from its own truth, as an anchor's own row is when mining)
     * @param sample queries in the recall check
     * @param k recall@k
     * @param target the recall to reach
     * @param progress progress lines, or null
     */
    public static Result choose(VectorStore store, KMeansParams base, VectorStore queries, int sample, int k,
                                double target, VectorKernels kernels, PrintWriter progress) {
        long n = store.count();
        int dim = store.dim();
        if (queries != null && queries.dim() != dim) {
            throw new QuarryDataException(queries.path(), "dim", queries.dim(), dim + " as in " + store.path());
        }
        VectorStore qs = queries == null ? store : queries;
        int count = (int) Math.min(sample, qs.count());
        if (count < 1 || k < 1 || k > n) {
            throw new QuarryUsageException("recall check", "sample=" + count + " k=" + k,
                    "at least one query and 1 <= k <= rows=" + n);
        }
        long[] rows = new long[count];
        for (int i = 0; i < count; i++) {
            rows[i] = (long) ((double) i * qs.count() / count); // spread over the file, deterministic
        }
        int[][] truth = truth(store, qs, queries == null, rows, k, base.threads(), kernels);
        List<Candidate> candidates = new ArrayList<>();
        Candidate best = null;
        KMeans.Result bestTrained = null;
        Candidate last = null;
        KMeans.Result lastTrained = null;
        for (int nlist : candidates(n)) {
            double lowerBound = cost(nlist, 1, n, dim, base.threads(), k);
            if (best != null && lowerBound >= best.cost() && nlist > best.nlist()) {
                candidates.add(new Candidate(nlist, 0, new int[0], new double[0], 0, lowerBound, false));
                continue;
            }
            KMeansParams params = new KMeansParams(nlist, base.iterations(), base.maxPointsPerCentroid(),
                    base.maxTrainingPoints(), base.spherical(), base.seed(), base.threads());
            KMeans means = new KMeans(kernels);
            KMeans.Result trained = means.train(store, params, null);
            int[] lists = means.assignRows(store, trained.centroids(), nlist, !base.spherical(), base.threads());
            int most = Math.min(nlist, MAX_NPROBE);
            int[] probes = means.bestCentroids(qs, rows, trained.centroids(), nlist, !base.spherical(), most);
            List<Integer> tried = new ArrayList<>();
            List<Double> recalls = new ArrayList<>();
            int reached = 0;
            for (int nprobe = 1; nprobe <= most; nprobe = nprobe == most ? most + 1 : Math.min(most, 2 * nprobe)) {
                double recall = recall(truth, lists, probes, most, nprobe);
                tried.add(nprobe);
                recalls.add(recall);
                if (recall >= target) {
                    reached = nprobe;
                    break;
                }
            }
            Candidate c = new Candidate(nlist, trained.seconds(), tried.stream().mapToInt(Integer::intValue).toArray(),
                    recalls.stream().mapToDouble(Double::doubleValue).toArray(), reached,
                    reached == 0 ? Double.POSITIVE_INFINITY : cost(nlist, reached, n, dim, base.threads(), k), true);
            candidates.add(c);
            if (progress != null) {
                progress.printf(Locale.ROOT, "nlist %d: k-means %.1fs, recall@%d %s at nprobe %s%n", nlist,
                        trained.seconds(), k, Arrays.toString(c.recalls()), Arrays.toString(c.nprobes()));
                progress.flush();
            }
            if (reached > 0 && (best == null || c.cost() < best.cost())) {
                best = c;
                bestTrained = trained;
            }
            last = c;
            lastTrained = best == null ? trained : null; // kept only while no candidate reached the target
        }
        if (best == null) {
            // No candidate reached the target within MAX_NPROBE: the largest nlist tried recalls most per probe.
            return new Result(last.nlist(), last.nprobes()[last.nprobes().length - 1], lastTrained, candidates,
                    String.format(Locale.ROOT, "nlist %d: no candidate reached recall@%d %.2f by nprobe %d on this"
                            + " data; the largest nlist tried recalls most per probe (measure with quarry index"
                            + " recall)", last.nlist(), k, target, MAX_NPROBE));
        }
        return new Result(best.nlist(), best.nprobe(), bestTrained, candidates, String.format(Locale.ROOT,
                "nlist %d: the least work per anchor (%.2f M multiply-adds: %d centroids + %d probed list(s) of"
                        + " about %,d rows) among the settings reaching recall@%d %.2f (%.4f at nprobe %d, %d"
                        + " queries); mine with --nprobe %d", best.nlist(), best.cost() / 1e6, best.nlist(),
                best.nprobe(), n / best.nlist(), k, target, best.recall(), best.nprobe(), count, best.nprobe()));
    }

    /** Powers of two from about sqrt(N) / 4 to about 4 sqrt(N), within [1, N]. */
    static int[] candidates(long n) {
        double root = Math.sqrt(n);
        int lo = Integer.highestOneBit((int) Math.max(1, root / 4));
        List<Integer> out = new ArrayList<>();
        for (long p = lo; p <= n && p < 8 * root; p *= 2) {
            out.add((int) p);
        }
        if (out.isEmpty()) {
            out.add(1);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Modelled multiply-adds per anchor, counted at the centroid scan's rate: the centroids, plus the
     * probed lists weighted by how far below {@link #SATURATING_ANCHORS} anchors per list and thread the
     * mining pipeline's super-block leaves them ({@link IvfIndex#batchQueries}).
     */
    static double cost(int nlist, int nprobe, long n, int dim, int threads, int k) {
        double centroids = (double) nlist * dim;
        double lists = (double) nprobe * n / nlist * dim;
        double superBlock = IvfIndex.batchQueries(nlist, nprobe, threads, k);
        double perList = superBlock * nprobe / nlist / Math.max(1, threads);
        return centroids + lists * Math.max(1, SATURATING_ANCHORS / perList);
    }

    /** Each query's exact top k (its own row excluded when queries are rows of the store). */
    private static int[][] truth(VectorStore store, VectorStore qs, boolean selfExcluded, long[] rows, int k,
                                 int threads, VectorKernels kernels) {
        QueryBlock block = new QueryBlock(rows.length, store.dim());
        int[][] excluded = new int[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            block.add(qs.segment(), qs.rowOffset(rows[i]));
            excluded[i] = selfExcluded ? new int[] {(int) rows[i]} : null;
        }
        TopK top = new FlatIndex(store, kernels).search(block, k, Exclusions.ofSorted(excluded),
                SearchParams.defaults().withThreads(threads));
        int[][] truth = new int[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            truth[i] = new int[top.count(i)];
            for (int r = 0; r < truth[i].length; r++) {
                truth[i][r] = top.id(i, r);
            }
        }
        return truth;
    }

    /** Mean share of each query's true top k whose list is among its {@code nprobe} best. */
    private static double recall(int[][] truth, int[] lists, int[] probes, int stride, int nprobe) {
        double sum = 0;
        int counted = 0;
        for (int q = 0; q < truth.length; q++) {
            if (truth[q].length == 0) {
                continue;
            }
            int hits = 0;
            for (int id : truth[q]) {
                int list = lists[id];
                for (int j = 0; j < nprobe; j++) {
                    if (probes[q * stride + j] == list) {
                        hits++;
                        break;
                    }
                }
            }
            sum += (double) hits / truth[q].length;
            counted++;
        }
        return counted == 0 ? Double.NaN : sum / counted;
    }
}
