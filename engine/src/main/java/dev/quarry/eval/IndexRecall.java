package dev.quarry.eval;

import dev.quarry.index.Exclusions;
import dev.quarry.index.Recall;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Recall@k of an approximate index against exact search, for a sweep of nprobe: the share of each
 * query's exact top k that the approximate index also returns, averaged over the queries. Also
 * times each search, so the sweep gives the speed/recall trade-off.
 */
public final class IndexRecall {
    private IndexRecall() {
    }

    /**
     * One point of the sweep.
     *
     * @param nprobe lists probed
     * @param recall mean recall@k
     * @param queriesPerSecond search throughput of the approximate index, searching in blocks of the sweep's batch
     * @param params the whole setting searched with
     * @param referenceRecall mean recall@k of the same calls searched with the sweep's reference setting (for an
     *                        int8 index, every probed row rescored: the float32 lists' recall); NaN when none
     */
    public record Point(int nprobe, double recall, double queriesPerSecond, SearchParams params,
                        double referenceRecall) {
        /** A point without a reference. */
        public Point(int nprobe, double recall, double queriesPerSecond, SearchParams params) {
            this(nprobe, recall, queriesPerSecond, params, Double.NaN);
        }
    }

    /**
     * Measures recall@k of {@code approx} against {@code exact} on the first {@code count} rows of
     * {@code queries}, for each nprobe, searching with {@code threads} threads.
     */
    public static List<Point> sweep(VectorIndex exact, VectorIndex approx, VectorStore queries, int count, int k,
                                    int[] nprobes, int threads) {
        List<SearchParams> settings = new ArrayList<>();
        for (int nprobe : nprobes) {
            settings.add(SearchParams.defaults().withThreads(threads).withNprobe(nprobe));
        }
        return sweep(exact, approx, queries, count, k, settings, 0);
    }

    /**
     * Measures recall@k of {@code approx} against {@code exact} on the first {@code count} rows of
     * {@code queries}, for each setting, searching the queries in calls of {@code batch} (0: all in one call,
     * as batch mining does; a trainer's call is a few dozen), recall from those calls' results. Each
     * setting's calls run twice, the second timed, so a setting is not charged for compiling code the ones
     * before it did not use.
     */
    public static List<Point> sweep(VectorIndex exact, VectorIndex approx, VectorStore queries, int count, int k,
                                    List<SearchParams> settings, int batch) {
        return sweep(exact, approx, queries, count, k, settings, batch, null);
    }

    /**
     * {@link #sweep(VectorIndex, VectorIndex, VectorStore, int, int, List, int)}, each point also with the
     * recall of the same calls searched with {@code reference} applied to its setting (untimed; null for none):
     * for an int8 index, {@code p -> p.withOversample(Float.POSITIVE_INFINITY)} gives the recall the float32
     * lists have at the same setting, so the difference is what the quantized lists cost.
     */
    public static List<Point> sweep(VectorIndex exact, VectorIndex approx, VectorStore queries, int count, int k,
                                    List<SearchParams> settings, int batch, UnaryOperator<SearchParams> reference) {
        QueryBlock block = sample(queries, count);
        int threads = settings.stream().mapToInt(SearchParams::threads).max().orElse(1);
        return sweep(truth(exact, block, k, threads), approx, queries, block, k, settings, batch, reference);
    }

    /** The first {@code count} rows of {@code queries} (all of them if fewer), as one block. */
    public static QueryBlock sample(VectorStore queries, int count) {
        int n = (int) Math.min(count, queries.count());
        QueryBlock block = new QueryBlock(Math.max(1, n), queries.dim());
        for (int q = 0; q < n; q++) {
            block.add(queries.segment(), queries.rowOffset(q));
        }
        return block;
    }

    /** The exact top {@code k} of the block: what every index of a comparison is measured against. */
    public static TopK truth(VectorIndex exact, QueryBlock block, int k, int threads) {
        return exact.search(block, k, Exclusions.NONE, SearchParams.defaults().withThreads(threads));
    }

    /**
     * Recall@k of {@code approx} against {@code truth} for each setting, as {@link #sweep(VectorIndex,
     * VectorIndex, VectorStore, int, int, List, int)} measures it; {@code block} is {@link #sample} of
     * {@code queries} and {@code truth} its exact answer, shared by every index of a comparison.
     */
    public static List<Point> sweep(TopK truth, VectorIndex approx, VectorStore queries, QueryBlock block, int k,
                                    List<SearchParams> settings, int batch) {
        return sweep(truth, approx, queries, block, k, settings, batch, null);
    }

    /**
     * {@link #sweep(TopK, VectorIndex, VectorStore, QueryBlock, int, List, int)}, each point also with the recall
     * of the same calls searched with {@code reference} applied to its setting, as {@link #sweep(VectorIndex,
     * VectorIndex, VectorStore, int, int, List, int, UnaryOperator)} measures it (null for none).
     */
    public static List<Point> sweep(TopK truth, VectorIndex approx, VectorStore queries, QueryBlock block, int k,
                                    List<SearchParams> settings, int batch, UnaryOperator<SearchParams> reference) {
        int n = block.count();
        List<Point> points = new ArrayList<>();
        for (SearchParams params : settings) {
            if (batch <= 0 || batch >= n) {
                TopK found = approx.search(block, k, Exclusions.NONE, params); // also the untimed pass
                long start = System.nanoTime();
                approx.search(block, k, Exclusions.NONE, params);
                double seconds = (System.nanoTime() - start) / 1e9;
                points.add(new Point(params.nprobe(), Recall.of(truth, found), n / seconds, params,
                        reference == null ? Double.NaN
                                : Recall.of(truth, approx.search(block, k, Exclusions.NONE, reference.apply(params)))));
            } else {
                double[] recallAndSeconds = inCalls(approx, queries, truth, n, batch, k, params, 2);
                points.add(new Point(params.nprobe(), recallAndSeconds[0], n / recallAndSeconds[1], params,
                        reference == null ? Double.NaN
                                : inCalls(approx, queries, truth, n, batch, k, reference.apply(params), 1)[0]));
            }
        }
        return points;
    }

    /**
     * Search throughput of an IVF index at batch mining's shape: {@code anchors} queries (rows of
     * {@code queries}, cycled when it has fewer) searched at once, read in place, as
     * {@code quarry mine} searches a super-block ({@link IvfIndex#searchRows}). One untimed pass first
     * (the JIT), then the best of {@code passes} timed ones.
     *
     * @param anchorsPerSecond queries searched per second
     * @param flopsPerAnchor the multiply-adds per query x 2: centroids plus the rows of the lists probed
     */
    public record Throughput(int anchors, double anchorsPerSecond, double flopsPerAnchor) {
        /** The arithmetic rate the search reached. */
        public double gflops() {
            return anchorsPerSecond * flopsPerAnchor / 1e9;
        }
    }

    /** Measures {@link Throughput} of {@code ivf} at {@code nprobe} on {@code threads} threads. */
    public static Throughput batchThroughput(IvfIndex ivf, VectorStore queries, int anchors, int k, int nprobe,
                                             int threads, int passes) {
        return batchThroughput(ivf, queries, anchors, k, SearchParams.defaults().withNprobe(nprobe), threads, passes);
    }

    /** Measures {@link Throughput} of {@code ivf} with {@code search}'s nprobe and probe margin. */
    public static Throughput batchThroughput(IvfIndex ivf, VectorStore queries, int anchors, int k,
                                             SearchParams search, int threads, int passes) {
        int nprobe = search.nprobe();
        long[] offsets = new long[anchors];
        for (int i = 0; i < anchors; i++) {
            offsets[i] = queries.rowOffset(i % queries.count());
        }
        SearchParams params = SearchParams.defaults().withThreads(threads).withNprobe(nprobe)
                .withProbeMargin(search.probeMargin());
        ivf.searchRows(queries.segment(), offsets, k, Exclusions.NONE, params);
        double best = Double.MAX_VALUE;
        for (int p = 0; p < Math.max(1, passes); p++) {
            long start = System.nanoTime();
            ivf.searchRows(queries.segment(), offsets, k, Exclusions.NONE, params);
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
        QueryBlock sample = new QueryBlock((int) Math.min(anchors, 2000), queries.dim());
        for (int i = 0; i < sample.capacity(); i++) {
            sample.add(queries.segment(), offsets[i]);
        }
        double rows = (double) ivf.scannedRows(sample, nprobe == 0 ? ivf.defaultNprobe() : nprobe,
                search.probeMargin()) / sample.count();
        return new Throughput(anchors, anchors / best, 2.0 * ivf.dim() * (ivf.nlist() + rows));
    }

    /**
     * Searches the first n queries in calls of {@code batch}, {@code passes} times, the last pass timed: the mean
     * recall of those calls' results (a call's size may change how an index searches) and the seconds they took.
     */
    private static double[] inCalls(VectorIndex index, VectorStore queries, TopK truth, int n, int batch, int k,
                                    SearchParams params, int passes) {
        QueryBlock block = new QueryBlock(batch, queries.dim());
        double seconds = 0;
        double sum = 0;
        int counted = 0;
        for (int pass = 0; pass < passes; pass++) {
            sum = 0;
            counted = 0;
            long start = System.nanoTime();
            long searching = 0;
            for (int from = 0; from < n; from += batch) {
                block.clear();
                for (int q = from; q < Math.min(n, from + batch); q++) {
                    block.add(queries.segment(), queries.rowOffset(q));
                }
                long t = System.nanoTime();
                TopK found = index.search(block, k, Exclusions.NONE, params);
                searching += System.nanoTime() - t;
                for (int q = 0; q < block.count(); q++) {
                    double r = Recall.ofQuery(truth, from + q, found, q);
                    if (!Double.isNaN(r)) { // a query with no truth (an empty corpus) counts for nothing
                        sum += r;
                        counted++;
                    }
                }
            }
            seconds = searching / 1e9;
        }
        return new double[] {counted == 0 ? Double.NaN : sum / counted, seconds};
    }
}
