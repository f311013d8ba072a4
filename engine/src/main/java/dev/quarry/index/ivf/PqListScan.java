package dev.quarry.index.ivf;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchThreads;
import dev.quarry.index.TopK;
import dev.quarry.index.TopKCollector;
import dev.quarry.vector.FastScanKernel;
import dev.quarry.vector.FastScanLayout;
import dev.quarry.vector.QueryBlock;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The approximate stage of a search over pq4 lists: each query's uint8 tables built once
 * ({@link PqCodebook#tables}; the codes quantize raw vectors, so the same tables serve every list), then
 * each probed list scored once by the fast-scan kernel for all the block's queries that probe it, and each
 * query's best {@code width} rows by table sum kept. The sums are compared as they are: a query's scale
 * and bias map them to scores monotonically, and the candidates are rescored in float32 anyway
 * ({@link CandidateRescorer}). Ties go to the lower ordinal ({@link TopKCollector}), so the candidates do
 * not depend on how the lists are split between threads. Stateless.
 */
final class PqListScan {
    /**
     * Row-queries of a block below which its lists are scanned on the caller alone: at the kernel's measured
     * 717M rows/s (one query, m = 96) about 0.35 ms, several times what handing half to another thread and
     * waiting for it costs.
     */
    static final long SPLIT_FROM = 1L << 18;

    private PqListScan() {
    }

    /** Each query's best {@code width} rows of the lists {@code plan} gives it, by table sum, best first. */
    static TopK candidates(IvfIndex index, PqCodebook codebook, FastScanKernel kernel, MemorySegment data,
                           QueryBlock queries, IvfIndex.ProbePlan plan, int width, Exclusions exclusions,
                           int threads) {
        int n = queries.count();
        int m = codebook.subspaces();
        int stride = FastScanLayout.tableBytes(m);
        byte[] tables = new byte[Math.max(1, n) * stride];
        float[] query = new float[queries.dim()];
        for (int q = 0; q < n; q++) {
            queries.copyTo(q, query);
            codebook.tables(query, tables, q * stride);
        }
        TopKCollector best = new TopKCollector(Math.max(1, n), width);
        best.reset(n, exclusions);
        long work = 0;
        for (int g = 0; g < plan.lists(); g++) {
            work += (long) index.listSize(plan.list(g)) * plan.probers(g);
        }
        int parts = work < SPLIT_FROM || plan.lists() == 1 ? 1 : Math.max(1, threads);
        if (parts == 1) {
            scan(index, kernel, data, m, tables, plan, 0, plan.lists(), best);
            return best.result();
        }
        int[] bounds = index.balance(plan, parts);
        List<TopKCollector> heaps = best.withPartners(parts);
        SearchThreads.run("quarry-ivf-pq", parts, t -> scan(index, kernel, data, m, tables, plan, bounds[t],
                bounds[t + 1], heaps.get(t)));
        best.mergeFrom(heaps);
        return best.result();
    }

    /** Scores the lists of groups {@code [from, to)} for their probing queries into {@code best}. */
    private static void scan(IvfIndex index, FastScanKernel kernel, MemorySegment data, int m, byte[] tables,
                             IvfIndex.ProbePlan plan, int from, int to, TopKCollector best) {
        int stride = FastScanLayout.tableBytes(m);
        int most = 1;
        int longest = 1;
        for (int g = from; g < to; g++) {
            most = Math.max(most, plan.probers(g));
            longest = Math.max(longest, index.listSize(plan.list(g)));
        }
        byte[] gathered = most == 1 ? null : new byte[most * stride];
        int[] sums = new int[most * longest];
        float[] thresholds = best.thresholds();
        for (int g = from; g < to; g++) {
            int list = plan.list(g);
            int size = index.listSize(list);
            int probers = plan.probers(g);
            if (size == 0) {
                continue;
            }
            int first = plan.start()[g];
            byte[] scored;
            if (probers == 1 && plan.queryIds()[first] == 0) {
                scored = tables; // its first table is the one query's: nothing to gather
            } else {
                scored = gathered == null ? new byte[stride] : gathered;
                gathered = scored;
                for (int j = 0; j < probers; j++) {
                    System.arraycopy(tables, plan.queryIds()[first + j] * stride, scored, j * stride, stride);
                }
            }
            kernel.score(scored, probers, m, data, index.listVectorsAt(list), size, sums);
            for (int j = 0; j < probers; j++) {
                int q = plan.queryIds()[first + j];
                for (int r = 0, at = j * size; r < size; r++) {
                    // Exact as a float: a sum is at most 255 x 65536 < 2^24.
                    float sum = sums[at + r];
                    if (sum >= thresholds[q]) {
                        // Only a row that passes is mapped to its ordinal: most of a list's rows never are.
                        best.offerOrdinal(q, index.ordinal(list, r), sum);
                    }
                }
            }
        }
    }
}
