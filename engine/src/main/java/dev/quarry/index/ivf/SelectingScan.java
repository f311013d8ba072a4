package dev.quarry.index.ivf;

import dev.quarry.index.Exclusions;
import dev.quarry.index.TopK;
import dev.quarry.vector.QueryBlock;
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
    private SelectingScan() {
    }

    /**
     * The {@code k} best rows of each query of {@code queries} in the lists {@code plan} assigns them; with a
     * {@code share} (null for none), the lists are shared with the call's other blocks searched at the same time
     * ({@link ListShare}) when each query probes one list at most.
     */
    static TopK search(IvfIndex index, VectorKernels kernels, MemorySegment data, QueryBlock queries,
                       IvfIndex.ProbePlan plan, int k, Exclusions exclusions, ListShare share) {
        int n = queries.count();
        ListTopK candidates = new ListTopK(n, k, exclusions);
        ListScan scan = new ListScan(index, data, queries, plan, candidates);
        ListScan.Buffers buffers = scan.buffers(kernels);
        if (share != null && scan.shareable()) {
            share.scan(scan, buffers);
        } else {
            while (scan.scanNext(buffers)) {
                // every list of the plan, in order, on this thread
            }
        }
        candidates.sortInPlace(0, n, buffers.scratch());
        return candidates.result();
    }
}
