package dev.quarry.eval;

import dev.quarry.index.Exclusions;
import dev.quarry.index.Recall;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.VectorIndex;
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
        int n = (int) Math.min(count, queries.count());
        QueryBlock block = new QueryBlock(Math.max(1, n), queries.dim());
        for (int q = 0; q < n; q++) {
            block.add(queries.segment(), queries.rowOffset(q));
        }
        int threads = settings.stream().mapToInt(SearchParams::threads).max().orElse(1);
        TopK truth = exact.search(block, k, Exclusions.NONE, SearchParams.defaults().withThreads(threads));
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
