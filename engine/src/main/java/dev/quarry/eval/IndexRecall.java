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
     * @param queriesPerSecond search throughput of the approximate index on this block
     */
    public record Point(int nprobe, double recall, double queriesPerSecond) {
    }

    /**
     * Measures recall@k of {@code approx} against {@code exact} on the first {@code count} rows of
     * {@code queries}, for each nprobe, searching with {@code threads} threads.
     */
    public static List<Point> sweep(VectorIndex exact, VectorIndex approx, VectorStore queries, int count, int k,
                                    int[] nprobes, int threads) {
        int n = (int) Math.min(count, queries.count());
        QueryBlock block = new QueryBlock(Math.max(1, n), queries.dim());
        for (int q = 0; q < n; q++) {
            block.add(queries.segment(), queries.rowOffset(q));
        }
        TopK truth = exact.search(block, k, Exclusions.NONE, SearchParams.defaults().withThreads(threads));
        List<Point> points = new ArrayList<>();
        for (int nprobe : nprobes) {
            long start = System.nanoTime();
            TopK found = approx.search(block, k, Exclusions.NONE,
                    SearchParams.defaults().withThreads(threads).withNprobe(nprobe));
            double seconds = (System.nanoTime() - start) / 1e9;
            points.add(new Point(nprobe, Recall.of(truth, found), n / seconds));
        }
        return points;
    }
}
