package dev.quarry.bench.peers;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.VectorIndex;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import java.util.Arrays;

/**
 * One pass of a Quarry index over all queries, through the public API, in one of the two thread
 * layouts a user can choose:
 * <ul>
 *   <li>{@code query-split}: each worker thread fills its own {@link QueryBlock} with the next block
 *       of queries and searches it single-threaded (what the mining pipeline does);
 *   <li>{@code corpus-split}: blocks of queries one after another, each searched with
 *       {@link SearchParams#withThreads} so the index splits its rows (or lists) across threads.
 * </ul>
 * Measured on 200k x 384 clustered rows, 2,000 queries, k = 100, 2 threads (Zen 5, AVX-512), best of
 * the runs in three sessions: flat query-split 0.91-1.01 s a pass against corpus-split 0.95-1.09 s, so
 * query-split by 1-8%, about this machine's run-to-run noise; IVF (nlist 1024) was mixed, corpus-split
 * ahead at nprobe <= 4, query-split at nprobe >= 16. Query-split is therefore the default
 * ({@link PeerOptions#DEFAULT_QUARRY_MODE}), as in the mining pipeline; {@code --quarry-mode both}
 * reports both. Query-split needs at least {@code threads} blocks, so its block is capped at
 * {@code ceil(queries / threads)}. Blocks are filled inside the timed pass, as a user's search fills them.
 */
final class QuarryPass {
    private final VectorIndex index;
    private final VectorStore queries;
    private final int count;
    private final int k;
    private final boolean querySplit;
    private final int block;
    private final SearchParams params;
    private final QueryThreads threads;
    private final QueryBlock[] blocks;

    /**
     * @param mode {@code query-split} or {@code corpus-split}
     * @param block queries per search call (query-split lowers it so every thread gets work)
     * @param params per-call options (nprobe); the thread count is set here from the layout
     */
    QuarryPass(VectorIndex index, PeerData data, int k, String mode, int block, SearchParams params,
               QueryThreads threads) {
        this.index = index;
        this.queries = data.queries();
        this.count = data.queryCount();
        this.k = k;
        this.querySplit = mode.equals("query-split");
        int perThread = Math.max(1, (count + threads.threads() - 1) / threads.threads());
        this.block = Math.max(1, querySplit ? Math.min(block, perThread) : Math.min(block, Math.max(1, count)));
        this.params = params.withThreads(querySplit ? 1 : threads.threads());
        this.threads = threads;
        this.blocks = new QueryBlock[querySplit ? threads.threads() : 1];
        for (int t = 0; t < blocks.length; t++) {
            blocks[t] = new QueryBlock(this.block, data.dim());
        }
    }

    /** Queries per search call actually used. */
    int block() {
        return block;
    }

    /** Searches every query once; the top-k rows go to {@code ids[query * k + rank]}, -1 padded. */
    void run(int[] ids) {
        if (querySplit) {
            threads.run(count, block, (worker, from, to) -> search(blocks[worker], from, to, ids));
        } else {
            for (int from = 0; from < count; from += block) {
                search(blocks[0], from, Math.min(count, from + block), ids);
            }
        }
    }

    private void search(QueryBlock b, int from, int to, int[] ids) {
        b.clear();
        for (int q = from; q < to; q++) {
            b.add(queries.segment(), queries.rowOffset(q));
        }
        TopK top = index.search(b, k, Exclusions.NONE, params);
        for (int i = 0; i < to - from; i++) {
            int n = top.count(i);
            int at = (from + i) * k;
            for (int r = 0; r < n; r++) {
                ids[at + r] = top.id(i, r);
            }
            Arrays.fill(ids, at + n, at + k, -1);
        }
    }
}
