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
        QueryBlock block = sample(queries, count);
        return sweep(truth(exact, block, k, threads), approx, block, k, nprobes, threads);
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

    /** Recall@k of {@code approx} against {@code truth} (of the same block) for each nprobe, with its speed. */
    public static List<Point> sweep(TopK truth, VectorIndex approx, QueryBlock block, int k, int[] nprobes,
                                    int threads) {
        List<Point> points = new ArrayList<>();
        for (int nprobe : nprobes) {
            long start = System.nanoTime();
            TopK found = approx.search(block, k, Exclusions.NONE,
                    SearchParams.defaults().withThreads(threads).withNprobe(nprobe));
            double seconds = (System.nanoTime() - start) / 1e9;
            points.add(new Point(nprobe, Recall.of(truth, found), block.count() / seconds));
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
        long[] offsets = new long[anchors];
        for (int i = 0; i < anchors; i++) {
            offsets[i] = queries.rowOffset(i % queries.count());
        }
        SearchParams params = SearchParams.defaults().withThreads(threads).withNprobe(nprobe);
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
        double rows = (double) ivf.scannedRows(sample, nprobe) / sample.count();
        return new Throughput(anchors, anchors / best, 2.0 * ivf.dim() * (ivf.nlist() + rows));
    }
}
