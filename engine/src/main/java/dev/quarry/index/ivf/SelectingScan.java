package dev.quarry.index.ivf;

import dev.quarry.index.Exclusions;
import dev.quarry.index.TopK;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.RowPanels;
import dev.quarry.vector.VectorKernels;
import java.lang.foreign.MemorySegment;

/**
 * The list stage of a search of float32 lists on one thread, a trainer's block: each list is scored whole
 * against the queries that probe it ({@link VectorKernels#scorePanels}), and each query's scores join its
 * candidates at once, one selection keeping the k best ({@link ListOffers}, {@link ListTopK}), as a
 * super-block search does ({@link IvfBatchSearch}). The fused kernel fed a bounded heap one score at a time
 * instead: at nprobe 1 a query's only list (about 250 rows at nlist 4,096 over 1M) fills the heap of 100 and
 * then replaces its root about 90 times, a sift through the heap each with a branch that mispredicts about
 * half the time, and sorting the heap popped it 100 times more; the heap took about a quarter of a 32-anchor
 * block's list stage (bench/README.md, "The trainer's call taken apart"). The scores have the same bits
 * ({@link VectorKernels#scorePanels}) and the candidates the same total order (score descending, then
 * ordinal ascending), so the result is the heap's.
 *
 * <p>Allocates by the call: the candidates (k per query), and a score matrix of the most probing queries of a
 * list times its rows, capped as the super-block search caps it.
 */
final class SelectingScan {
    /** Queries a list is scored against at once, and rows of a list at once: the super-block search's. */
    private static final int SCAN_QUERIES = IvfBatchSearch.SCAN_QUERIES;
    private static final int SCAN_ROWS = IvfBatchSearch.SCAN_ROWS;

    private SelectingScan() {
    }

    /** The {@code k} best rows of each query of {@code queries} in the lists {@code plan} assigns them. */
    static TopK search(IvfIndex index, VectorKernels kernels, MemorySegment data, QueryBlock queries,
                       IvfIndex.ProbePlan plan, int k, Exclusions exclusions) {
        int n = queries.count();
        int dim = queries.dim();
        ListTopK candidates = new ListTopK(n, k, exclusions);
        ListOffers offers = new ListOffers(kernels);
        int most = 1;
        int longest = 1;
        for (int g = 0; g < plan.lists(); g++) {
            most = Math.max(most, plan.probers(g));
            longest = Math.max(longest, index.listSize(plan.list(g)));
        }
        int width = Math.min(most, SCAN_QUERIES);
        int stride = (int) RowPanels.paddedRows(Math.min(longest, SCAN_ROWS));
        QueryBlock sub = new QueryBlock(width, dim);
        float[] matrix = new float[width * stride];
        int[] map = new int[width];
        float[] row = new float[dim];
        int[] ordinals = new int[longest];
        for (int g = 0; g < plan.lists(); g++) {
            int list = plan.list(g);
            int size = index.listSize(list);
            if (size == 0) {
                continue;
            }
            index.copyOrdinals(list, ordinals);
            long at = index.listVectorsAt(list);
            int probers = plan.probers(g);
            for (int first = 0; first < probers; first += SCAN_QUERIES) {
                int m = Math.min(SCAN_QUERIES, probers - first);
                sub.clear();
                for (int j = 0; j < m; j++) {
                    map[j] = plan.queryIds()[plan.start()[g] + first + j];
                    queries.copyTo(map[j], row);
                    sub.add(row);
                }
                IvfBatchSearch.scoreList(kernels, sub, map, data, at, size, ordinals, matrix, stride, candidates,
                        offers);
            }
        }
        candidates.sortInPlace(0, n, offers.scratch());
        return candidates.result();
    }
}
