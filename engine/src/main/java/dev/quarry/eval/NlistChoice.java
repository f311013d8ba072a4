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
 * near the FMA peak. The lists' multiply-adds are weighted by two measured terms:
 * <ul>
 * <li>a list is scored against the anchors of a super-block that probe it, about
 * {@code m = S x nprobe / (nlist x threads)} of them per thread, so each of its rows read from memory
 * serves m dot products. Below {@value #SATURATING_ANCHORS} anchors per list the scan is bound by
 * the bytes rather than the FMAs, and its multiply-adds count {@code SATURATING_ANCHORS / m} times;</li>
 * <li>short lists run the list kernels below their rate on long ones: each list visit sets up panels, gathers its
 * anchors and merges their candidates, whatever its length. Measured in process on the real sentence
 * embeddings (208,284 x 384, bench/README.md, "The real sentence embeddings, 2026-12-07"; multiply-adds of the
 * arithmetic above per second): lists of about 3,254 rows (nlist 64) 228 GFLOP/s, 814 rows (256) 239, 203 rows
 * (1,024) 164 at a higher load, 51 rows (4,096) 30. Without this term the model ranked nlist 4,096 at nprobe 384
 * cheapest of the four (9.1M multiply-adds against 12.9M at 1,024 nprobe 160), where it ran 3.6x slower than 256 at
 * nprobe 64 and the whole {@code quarry mine} command at 1,024 was the fastest (0.93x the wall of 256). The rate is
 * modelled as {@code 1 / (1 + (}{@value #HALF_RATE_ROWS}{@code / rows)^2)} of the long lists' (half at 150 rows,
 * 0.1 at 51, 0.97 at 814), which puts the four in the measured order with their in-process time ratios to 256
 * within about 10% (see {@code NlistChoiceTest}).</li>
 * </ul>
 * Fewer, larger lists cost fewer centroids but need more probes for the same recall, so the cheapest setting is
 * measured, not assumed: for each candidate nlist (powers of two around {@code sqrt(N)}), k-means is trained as
 * the build would train it, every row is assigned to its list, each query of a sample ranks the lists by its
 * centroid scores, and recall@k against exact search is counted at nprobe 1, 2, 4, ... until it reaches the
 * target, then bisected down to the smallest nprobe that does (recall never falls as nprobe grows). The search
 * goes up to half the lists, or, once a candidate has reached the target, only as far as a larger nprobe would
 * still cost less than that candidate (the cost never falls as nprobe grows, so nothing beyond can win); a
 * candidate whose cost at nprobe 1 already reaches the best is not trained at all. The candidate whose smallest
 * such nprobe costs least wins (the smaller nlist on a tie); its centroids are kept for the build.
 * Deterministic for a seed.
 */
public final class NlistChoice {
    /** Anchors per list and thread from which a list scan runs at the centroid scan's rate (measured). */
    static final double SATURATING_ANCHORS = 16;
    /** Rows per list at which the list kernels run at half their rate on long lists (fitted to the measured rates). */
    static final double HALF_RATE_ROWS = 150;

    private NlistChoice() {
    }

    /**
     * One nlist tried.
     *
     * @param nlist lists
     * @param trainSeconds k-means time (0 when skipped)
     * @param nprobes the nprobe values measured, ascending
     * @param recalls recall@k at each of them
     * @param nprobe the smallest nprobe reaching the target, or 0 when none did (or not trained)
     * @param cost modelled multiply-adds per anchor at that nprobe (centroids + lists with their weights), or
     *             the lower bound that ruled the candidate out (at nprobe 1 untried; past {@code limit} when the
     *             search stopped there), or infinity when it reached no target within half its lists
     * @param tried whether k-means ran (false: ruled out by the arithmetic alone)
     * @param limit the largest nprobe the search could try (half the lists, or fewer where more would cost at least
     *              the best candidate's); 0 when not tried
     */
    public record Candidate(int nlist, double trainSeconds, int[] nprobes, double[] recalls, int nprobe, double cost,
                            boolean tried, int limit) {
        /** Recall at {@link #nprobe}, or NaN. */
        public double recall() {
            for (int i = 0; i < nprobes.length; i++) {
                if (nprobes[i] == nprobe) {
                    return recalls[i];
                }
            }
            return Double.NaN;
        }

        /** Whether the search stopped below half the lists because more probes would cost at least the best's. */
        public boolean stoppedByCost() {
            return tried && nprobe == 0 && limit < probeLimit(nlist);
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
     * @param rows the corpus rows (for the table's rows per list)
     */
    public record Result(int nlist, int nprobe, KMeans.Result trained, List<Candidate> candidates, String why,
                         long rows) {
        /** The table of candidates and the choice, for the command line. */
        public String describe(double target, int k) {
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "%8s %10s %8s %12s %10s %10s %14s%n", "nlist", "k-means s", "nprobe",
                    "recall@" + k, "rows/list", "list rate", "MMAC/anchor"));
            for (Candidate c : candidates) {
                String perList = String.format(Locale.ROOT, "%,d", Math.round(rowsPerList(c.nlist())));
                String rate = String.format(Locale.ROOT, "%.2f", listRate(rowsPerList(c.nlist())));
                if (!c.tried()) {
                    out.append(String.format(Locale.ROOT, "%8d %10s %8s %12s %10s %10s %14.2f  (ruled out: at"
                            + " nprobe 1 already at least the best)%n", c.nlist(), "-", "-", "-", perList, rate,
                            c.cost() / 1e6));
                } else if (c.nprobe() == 0) {
                    int last = c.nprobes()[c.nprobes().length - 1];
                    out.append(String.format(Locale.ROOT, "%8d %10.1f %8s %12.4f %10s %10s %14s  (below %.2f at"
                            + " nprobe %d%s)%n", c.nlist(), c.trainSeconds(), "-", c.recalls()[c.recalls().length - 1],
                            perList, rate, c.stoppedByCost() ? String.format(Locale.ROOT, ">= %.2f", c.cost() / 1e6) : "-",
                            target, last, c.stoppedByCost() ? "; more probes cost at least the best" : ", half the lists"));
                } else {
                    out.append(String.format(Locale.ROOT, "%8d %10.1f %8d %12.4f %10s %10s %14.2f%s%n", c.nlist(),
                            c.trainSeconds(), c.nprobe(), c.recall(), perList, rate, c.cost() / 1e6,
                            c.nlist() == nlist ? "  <- chosen" : ""));
                }
            }
            return out.append(why).toString();
        }

        private double rowsPerList(int lists) {
            return (double) rows / lists;
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
        return choose(store, base, queries, sample, k, target, kernels, progress, true);
    }

    /** As above; {@code pruneByCost} false trains every candidate and searches each up to half its lists (tests). */
    static Result choose(VectorStore store, KMeansParams base, VectorStore queries, int sample, int k,
                         double target, VectorKernels kernels, PrintWriter progress, boolean pruneByCost) {
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
            if (pruneByCost && best != null && lowerBound >= best.cost()) {
                candidates.add(new Candidate(nlist, 0, new int[0], new double[0], 0, lowerBound, false, 0));
                continue;
            }
            int limit = probeLimit(nlist);
            if (pruneByCost && best != null) {
                int cheaper = 1; // nprobe 1 costs less than the best (checked above)
                while (cheaper < limit && cost(nlist, cheaper + 1, n, dim, base.threads(), k) < best.cost()) {
                    cheaper++;
                }
                limit = cheaper;
            }
            KMeansParams params = new KMeansParams(nlist, base.iterations(), base.maxPointsPerCentroid(),
                    base.maxTrainingPoints(), base.spherical(), base.seed(), base.threads());
            KMeans means = new KMeans(kernels);
            KMeans.Result trained = means.train(store, params, null);
            int[] lists = means.assignRows(store, trained.centroids(), nlist, !base.spherical(), base.threads());
            int[] probes = means.bestCentroids(qs, rows, trained.centroids(), nlist, !base.spherical(), limit);
            NprobeSearch search = NprobeSearch.smallest(new ProbeRanks(truth, lists, probes, limit, nlist), target);
            int reached = search.reached();
            double cost;
            if (reached > 0) {
                cost = cost(nlist, reached, n, dim, base.threads(), k);
            } else if (limit < probeLimit(nlist)) {
                cost = cost(nlist, limit + 1, n, dim, base.threads(), k); // at least the best's: why it stopped
            } else {
                cost = Double.POSITIVE_INFINITY;
            }
            Candidate c = new Candidate(nlist, trained.seconds(), search.nprobes(), search.recalls(), reached, cost,
                    true, limit);
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
            // No candidate reached the target within half its lists: the largest nlist tried recalls most per probe.
            return new Result(last.nlist(), last.limit(), lastTrained, candidates,
                    String.format(Locale.ROOT, "nlist %d: no candidate reached recall@%d %.2f by probing half its"
                            + " lists on this data; the largest nlist tried recalls most per probe (measure with"
                            + " quarry index recall)", last.nlist(), k, target), n);
        }
        double rowsPerList = (double) n / best.nlist();
        return new Result(best.nlist(), best.nprobe(), bestTrained, candidates, String.format(Locale.ROOT,
                "nlist %d: the least modelled work per anchor (%.2f M multiply-adds: %d centroids + %d probed"
                        + " list(s) of about %,d rows, counted at %.2f of the list kernels' rate on long lists)"
                        + " among the settings reaching recall@%d %.2f (%.4f at nprobe %d, the smallest that does;"
                        + " %d queries); mine with --nprobe %d", best.nlist(), best.cost() / 1e6, best.nlist(),
                best.nprobe(), Math.round(rowsPerList), listRate(rowsPerList), k, target, best.recall(),
                best.nprobe(), count, best.nprobe()), n);
    }

    /** The most probes a candidate's search tries: half its lists (at least one). */
    static int probeLimit(int nlist) {
        return Math.max(1, nlist / 2);
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
     * mining pipeline's super-block leaves them ({@link IvfIndex#batchQueries}) and by the list kernels'
     * rate on lists of this length ({@link #listRate}). Never falls as nprobe grows.
     */
    static double cost(int nlist, int nprobe, long n, int dim, int threads, int k) {
        double centroids = (double) nlist * dim;
        double rows = (double) n / nlist;
        double lists = nprobe * rows * dim;
        double superBlock = IvfIndex.batchQueries(nlist, nprobe, threads, k);
        double perList = superBlock * nprobe / nlist / Math.max(1, threads);
        return centroids + lists * Math.max(1, SATURATING_ANCHORS / perList) / listRate(rows);
    }

    /** The list kernels' rate on lists of {@code rows} rows, as a share of their rate on long lists (measured). */
    static double listRate(double rows) {
        double r = HALF_RATE_ROWS / Math.max(rows, 1e-9);
        return 1 / (1 + r * r);
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
}
