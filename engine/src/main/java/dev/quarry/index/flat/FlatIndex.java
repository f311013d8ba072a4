package dev.quarry.index.flat;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.SearchThreads;
import dev.quarry.index.TopK;
import dev.quarry.index.TopKCollector;
import dev.quarry.index.VectorIndex;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import java.util.List;

/**
 * Exact search: every query of a block against every row of the corpus, with the fused block kernel
 * ({@link VectorKernels#scoreBlockTopK}) that keeps the score tile in registers and rejects almost
 * every score with one compare against the query's current k-th best. The store is read in place
 * (memory-mapped); nothing is copied but the queries, packed once per call.
 *
 * <p>Every score comes from the block kernel, even for a block of one query (which then uses one lane
 * of each vector): a (query, row) score has the same bits for any block size, so mining one anchor
 * or a batch, or searching with another index, ranks ties the same way.
 *
 * <p>With {@code threads > 1} the corpus is split into contiguous ranges, each scanned by its own
 * thread into its own heaps, and the heaps are merged; the total order of {@link TopK} makes the
 * result identical for any thread count.
 *
 * <p>A scan tells the store which rows it read ({@link VectorStore#scanned}), so the first whole scans
 * check the rows of a file against the checksum it records, summed while the rows are in the cache: a
 * damaged or rewritten corpus fails the search naming the file.
 */
public final class FlatIndex implements VectorIndex {
    /** Rows scored per kernel call: the call overhead vanishes and a block of rows stays in L2. */
    static final int ROW_BLOCK = 512;

    private static final Runnable NO_PAUSE = () -> { };

    private final VectorStore store;
    private final VectorKernels kernels;
    private final Runnable beforeRows;

    /** An exact index over every row of {@code store}, which the caller keeps open. */
    public FlatIndex(VectorStore store, VectorKernels kernels) {
        this(store, kernels, NO_PAUSE);
    }

    private FlatIndex(VectorStore store, VectorKernels kernels, Runnable beforeRows) {
        if (store.count() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(store.path() + ": count=" + store.count()
                    + ", expected at most 2^31 - 1 rows per index");
        }
        this.store = store;
        this.kernels = kernels;
        this.beforeRows = beforeRows;
    }

    /**
     * The same index, whose scans call {@code beforeRows} before each block of 512 rows, on the
     * scanning thread: a background search that must give way to other work (a server's held-out evaluation
     * while a refresh runs) waits there. The results are the same; only when they come changes.
     */
    public FlatIndex pausingWith(Runnable beforeRows) {
        return new FlatIndex(store, kernels, beforeRows);
    }

    @Override
    public int dim() {
        return store.dim();
    }

    @Override
    public long size() {
        return store.count();
    }

    /** Reads every page of the corpus into memory and maps it (a corpus held in memory has none to read). */
    @Override
    public void preload() {
        store.preload();
    }

    @Override
    public String describe() {
        return "flat";
    }

    @Override
    public TopK search(QueryBlock queries, int k, Exclusions exclusions, SearchParams params) {
        if (queries.dim() != dim()) {
            throw new IllegalArgumentException("queries dim=" + queries.dim() + ", expected " + dim());
        }
        int n = queries.count();
        int rows = (int) size();
        int threads = Math.max(1, Math.min(params.threads(), rows / ROW_BLOCK));
        TopKCollector main = new TopKCollector(Math.max(1, n), k);
        main.reset(n, exclusions);
        if (n == 0) {
            return main.result();
        }
        if (threads == 1) {
            scan(queries, main, 0, rows);
            return main.result();
        }
        kernels.prepare(queries); // pack once here; the threads then only read the block
        List<TopKCollector> parts = main.withPartners(threads);
        int parallel = threads;
        SearchThreads.run("quarry-flat", threads, t -> scan(queries, parts.get(t), (int) ((long) rows * t / parallel),
                (int) ((long) rows * (t + 1) / parallel)));
        main.mergeFrom(parts);
        return main.result();
    }

    /**
     * Scans corpus rows {@code [from, to)} into {@code collector}, which must have been reset for
     * this block. The mining pipeline calls this directly with its per-worker collector.
     */
    public void scan(QueryBlock queries, TopKCollector collector, int from, int to) {
        for (int first = from; first < to; first += ROW_BLOCK) {
            int count = Math.min(ROW_BLOCK, to - first);
            beforeRows.run();
            collector.rowsFrom(first);
            kernels.scoreBlockTopK(queries, store.segment(), store.rowOffset(first), store.rowStride(), count,
                    collector.thresholds(), collector);
            store.scanned(first, count); // the rows' checksum grows while they are in the cache
        }
    }
}
