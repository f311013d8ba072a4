package dev.quarry.index.ivf;

import dev.quarry.index.SearchThreads;
import dev.quarry.index.TopK;
import dev.quarry.index.TopKCollector;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;

/**
 * The second stage of a search over int8 lists: each query's best candidates by approximate score are
 * scored again with the store's float32 rows ({@link VectorKernels#laneDots}, the bits of the float32
 * index), and the exact scores pick the final k. So whenever the rescored candidates hold the k rows the
 * float32 index would return, the result is that index's, ids and scores.
 *
 * <p>Which candidates: at most the collector's (k x oversample), and of those only the ones whose
 * approximate score is within {@link #MARGIN} error spreads of the k-th approximate score. An
 * approximate score is off by a sum of per-component rounding errors (at most half a step each, close to
 * uniform), so the difference of two is close to normal with a spread of {@code sqrt(2)} x the query's
 * spread; 8 spreads is 5.7 of those, a swap that far happens about once in 10^8 pairs. Rows far below
 * the k-th are not read at all: a rescored row is a random read of {@code 4 x dim} bytes.
 *
 * <p>Thread-safe; a call allocates in proportion to its block.
 */
final class CandidateRescorer {
    /** How far below the k-th approximate score a candidate is still rescored, in error spreads. */
    static final float MARGIN = 8f;
    /** Blocks of fewer queries are rescored on the caller alone (a hand-off costs more than the work). */
    private static final int SPLIT_FROM = 4;
    /** A search's candidates may take the heap's maximum over this ({@link #queriesPerPass}). */
    static final int HEAP_SHARE = 4;

    private final VectorStore store;
    private final VectorKernels kernels;

    CandidateRescorer(VectorStore store, VectorKernels kernels) {
        this.store = store;
        this.kernels = kernels;
    }

    /**
     * Rescores the first {@code kept[q]} of each query's {@code candidates} (best first, by approximate
     * score) and offers the exact scores to {@code out} (reset for the block).
     *
     * @return the rows rescored, over every query
     */
    long rescore(QueryBlock queries, TopK candidates, int[] kept, TopKCollector out, int threads) {
        int n = queries.count();
        int width = candidates.k();
        float[] exact = new float[n * width];
        int[] counts = new int[n];
        int parts = n >= SPLIT_FROM ? Math.max(1, Math.min(threads, n)) : 1;
        SearchThreads.run("quarry-ivf-rescore", parts, t -> {
            int dim = queries.dim();
            float[] query = new float[dim];
            long[] offsets = new long[width];
            float[] scores = new float[width];
            for (int q = (int) ((long) n * t / parts), end = (int) ((long) n * (t + 1) / parts); q < end; q++) {
                int count = kept[q];
                for (int i = 0; i < count; i++) {
                    offsets[i] = store.rowOffset(candidates.id(q, i));
                }
                queries.copyTo(q, query);
                kernels.laneDots(query, dim, store.segment(), offsets, count, scores);
                System.arraycopy(scores, 0, exact, q * width, count);
                counts[q] = count;
            }
        });
        long rows = 0;
        for (int q = 0; q < n; q++) {
            for (int i = 0; i < counts[q]; i++) {
                out.offerOrdinal(q, candidates.id(q, i), exact[q * width + i]);
            }
            rows += counts[q];
        }
        return rows;
    }

    /**
     * How many queries one pass of an int8 search may hold so that their candidates, {@code width} a query,
     * take at most {@code budget} bytes (at least one query, however wide): while the lists are scanned each of
     * the {@code threads} holds its own heap of every query's candidates (an id and a score, 8 bytes), the
     * merged result is a copy of one, and the rescoring adds a float per candidate.
     */
    static int queriesPerPass(int width, int threads, long budget) {
        long perQuery = (long) width * (8L * (Math.max(1, threads) + 1) + 4);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, budget / perQuery));
    }

    /** How many of query q's candidates (best first) are rescored: those within the margin of the k-th. */
    static int kept(TopK candidates, int q, int k, float spread) {
        int count = candidates.count(q);
        if (count <= k) {
            return count;
        }
        float floor = candidates.score(q, k - 1) - MARGIN * spread;
        int kept = k;
        while (kept < count && candidates.score(q, kept) >= floor) {
            kept++;
        }
        return kept;
    }
}
