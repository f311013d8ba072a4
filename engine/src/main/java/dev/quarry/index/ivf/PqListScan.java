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
        int width = best.k();
        int queries = best.thresholds().length;
        Kept kept = new Kept(queries, width);
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
                int floor = kept.floorSum(q);
                for (int r = 0, at = j * size; r < size; r++) {
                    if (sums[at + r] >= floor) {
                        // Only a row that passes is mapped to its ordinal: most of a list's rows never are.
                        kept.add(q, sums[at + r], index.ordinal(list, r), best);
                        floor = kept.floorSum(q);
                    }
                }
            }
        }
        kept.offerTo(best);
    }

    /**
     * Each query's candidates as keys ({@code sum << 32 | (MAX_VALUE - ordinal)}: the larger, the better, in
     * the collector's order), appended unsorted and cut to the best {@code width} when the buffer fills: a
     * sort of {@code 2 x width} keys now and then instead of a heap's sift for most of the rows that pass.
     */
    private static final class Kept {
        private final int width;
        private final int capacity;
        private final long[][] keys;
        private final int[] sizes;
        private final long[] floors;
        private final int[] floorSums;

        Kept(int queries, int width) {
            this.width = width;
            this.capacity = 2 * width;
            this.keys = new long[queries][];
            this.sizes = new int[queries];
            this.floors = new long[queries];
            this.floorSums = new int[queries];
            java.util.Arrays.fill(floors, Long.MIN_VALUE);
        }

        /** A sum below this cannot be among query q's best {@code width}. */
        int floorSum(int q) {
            return floorSums[q];
        }

        void add(int q, int sum, int ordinal, TopKCollector best) {
            long key = (long) sum << 32 | (Integer.MAX_VALUE - ordinal);
            if (key <= floors[q] || best.excluded(q, ordinal)) {
                return;
            }
            long[] k = keys[q];
            if (k == null) {
                k = new long[capacity];
                keys[q] = k;
            }
            int size = sizes[q];
            k[size++] = key;
            if (size == capacity) {
                java.util.Arrays.sort(k, 0, size);
                System.arraycopy(k, size - width, k, 0, width);
                size = width;
                floors[q] = k[0];
                floorSums[q] = (int) (k[0] >>> 32);
            }
            sizes[q] = size;
        }

        void offerTo(TopKCollector best) {
            for (int q = 0; q < sizes.length; q++) {
                for (int i = 0; i < sizes[q]; i++) {
                    long key = keys[q][i];
                    best.offerOrdinal(q, Integer.MAX_VALUE - (int) key, (float) (key >>> 32));
                }
            }
        }
    }
}
