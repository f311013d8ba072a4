package dev.quarry.index.ivf;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchThreads;
import dev.quarry.index.SortedInts;
import dev.quarry.index.TopK;
import dev.quarry.index.TopKCollector;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.RowPanels;
import dev.quarry.vector.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The search of a super-block: tens or hundreds of thousands of queries read in place from a mapped
 * store, assigned to their lists first, then each list scored once against all the queries that probe
 * it. The more queries share a list, the more dot products each byte of the list read from memory
 * serves (a list of 1,000 rows probed by 64 queries is a 64 x 1,000 x d matrix product), which is
 * what makes small nlist pay for a batch (docs/architecture.md, "Batch mining").
 *
 * <p>Threads split the queries, not the lists: thread t owns a contiguous range of queries (cut so the
 * ranges hold similar list work) and scans every probed list for its own queries, into the one
 * candidates of the super-block ({@link ListTopK}). No two threads touch a query's candidates, so there
 * is no merge and no copy of them per thread; each list is read once per thread, at about the same time by all, while it
 * sits in the shared cache. Scores have the bits of {@link IvfIndex#search}: the same kernel, the same
 * FMA chain per (query, row).
 */
final class IvfBatchSearch {
    /** Queries whose centroids a thread scores per step (a packed block of this many). */
    private static final int COARSE_CHUNK = 1024;
    /** Queries a list is scored against at once. */
    static final int SCAN_QUERIES = 64;
    /** Rows of a list scored at once (a multiple of the panel height): 64 x 2,048 scores fit L2. */
    static final int SCAN_ROWS = 2048;

    private final IvfIndex index;
    private final VectorKernels kernels;
    private final MemorySegment data;
    private final int dim;

    IvfBatchSearch(IvfIndex index, VectorKernels kernels, MemorySegment data) {
        this.index = index;
        this.kernels = kernels;
        this.data = data;
        this.dim = index.dim();
    }

    /**
     * The {@code k} best rows of each query: query q is the {@code dim} floats at byte
     * {@code offsets[q]} of {@code rows}.
     */
    TopK search(MemorySegment rows, long[] offsets, int k, Exclusions exclusions, int nprobe, float margin,
                int threads) {
        int n = offsets.length;
        ListTopK candidates = new ListTopK(n, k, exclusions);
        if (n == 0) {
            return candidates.result();
        }
        Plan plan = plan(rows, offsets, nprobe, margin, threads);
        int[] bounds = balance(plan, n, threads);
        // Each thread sorts the candidates of its own queries once it has scanned them: sorted on one thread,
        // the candidates of a super-block took about a tenth of its search.
        SearchThreads.run("quarry-ivf-batch", threads, t -> {
            ListOffers offers = new ListOffers(kernels);
            scan(rows, offsets, plan, bounds[t], bounds[t + 1], candidates, offers);
            candidates.sortInPlace(bounds[t], bounds[t + 1], offers.scratch());
        });
        return candidates.result();
    }

    /**
     * Which queries probe which list, lists ascending and each list's queries ascending: a counting sort
     * of the (list, query) pairs by list.
     *
     * @param start where list c's queries start in {@code queries} (nlist + 1 entries)
     * @param queries the probing queries, grouped by list
     * @param work per query, the rows of the lists it probes
     */
    record Plan(int[] start, int[] queries, long[] work) {
    }

    private Plan plan(MemorySegment rows, long[] offsets, int nprobe, float margin, int threads) {
        int n = offsets.length;
        int[] lists = new int[n * nprobe];
        int[] counts = new int[n];
        int chunks = (n + COARSE_CHUNK - 1) / COARSE_CHUNK;
        AtomicInteger next = new AtomicInteger();
        SearchThreads.run("quarry-ivf-probe", Math.min(threads, chunks), t -> {
            QueryBlock block = index.centroidBlock(Math.min(n, COARSE_CHUNK));
            TopKCollector best = new TopKCollector(Math.min(n, COARSE_CHUNK), nprobe);
            float[] scratch = new float[dim + 1];
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                int from = c * COARSE_CHUNK;
                int to = Math.min(n, from + COARSE_CHUNK);
                block.clear();
                for (int q = from; q < to; q++) {
                    index.addToCentroidBlock(block, rows, offsets[q], scratch);
                }
                best.reset(to - from, null);
                index.bestLists(block, best);
                TopK top = best.result();
                for (int q = 0; q < to - from; q++) {
                    counts[from + q] = IvfIndex.probes(top, q, margin);
                    for (int i = 0; i < counts[from + q]; i++) {
                        lists[(from + q) * nprobe + i] = top.id(q, i);
                    }
                }
            }
        });
        int nlist = index.nlist();
        int[] start = new int[nlist + 1];
        long[] work = new long[n];
        for (int q = 0; q < n; q++) {
            for (int i = 0; i < counts[q]; i++) {
                int list = lists[q * nprobe + i];
                start[list + 1]++;
                work[q] += index.listSize(list);
            }
        }
        for (int c = 0; c < nlist; c++) {
            start[c + 1] += start[c];
        }
        int[] fill = start.clone();
        int[] queries = new int[start[nlist]];
        for (int q = 0; q < n; q++) { // queries ascending, so each list's queries come out ascending
            for (int i = 0; i < counts[q]; i++) {
                queries[fill[lists[q * nprobe + i]]++] = q;
            }
        }
        return new Plan(start, queries, work);
    }

    /** Cuts the queries into {@code threads} contiguous ranges of similar list work. */
    private static int[] balance(Plan plan, int n, int threads) {
        double total = 0;
        for (long w : plan.work()) {
            total += w;
        }
        int[] bounds = new int[threads + 1];
        double acc = 0;
        int t = 1;
        for (int q = 0; q < n && t < threads; q++) {
            acc += plan.work()[q];
            while (t < threads && acc >= total * t / threads) {
                bounds[t++] = q + 1;
            }
        }
        while (t < threads) {
            bounds[t++] = n;
        }
        bounds[threads] = n;
        return bounds;
    }

    /**
     * Scans every list for its probing queries within {@code [from, to)}: up to {@value #SCAN_QUERIES}
     * queries and {@value #SCAN_ROWS} rows at a time, scored into a matrix, then each query's scores
     * merged into its candidates at once ({@link ListOffers}, {@link ListTopK}).
     */
    private void scan(MemorySegment rows, long[] offsets, Plan plan, int from, int to, ListTopK candidates,
                      ListOffers offers) {
        if (from >= to) {
            return;
        }
        int nlist = index.nlist();
        QueryBlock sub = new QueryBlock(SCAN_QUERIES, dim);
        int[] map = new int[SCAN_QUERIES];
        int[] ordinals = new int[0];
        float[] matrix = new float[SCAN_QUERIES * SCAN_ROWS];
        for (int list = 0; list < nlist; list++) {
            int lo = SortedInts.lowerBound(plan.queries(), plan.start()[list], plan.start()[list + 1], from);
            int hi = SortedInts.lowerBound(plan.queries(), lo, plan.start()[list + 1], to);
            int size = index.listSize(list);
            if (hi == lo || size == 0) {
                continue;
            }
            if (ordinals.length < size) {
                ordinals = new int[Math.max(size, 2 * ordinals.length)];
            }
            index.copyOrdinals(list, ordinals);
            int stride = (int) RowPanels.paddedRows(Math.min(size, SCAN_ROWS));
            for (int first = lo; first < hi; first += SCAN_QUERIES) {
                int m = Math.min(SCAN_QUERIES, hi - first);
                sub.clear();
                for (int j = 0; j < m; j++) {
                    map[j] = plan.queries()[first + j];
                    sub.add(rows, offsets[map[j]]);
                }
                scoreList(kernels, sub, map, data, index.listVectorsAt(list), size, ordinals, matrix, stride,
                        candidates, offers);
            }
        }
    }

    /**
     * Scores one list of {@code size} rows at {@code listAt} against the queries of {@code sub} (the j-th is
     * query {@code map[j]}) and merges each query's scores into its candidates at once; long lists in runs of
     * {@value #SCAN_ROWS} rows (whole panels), so the matrix ({@code stride} floats a query) stays in L2.
     */
    static void scoreList(VectorKernels kernels, QueryBlock sub, int[] map, MemorySegment data, long listAt,
                          int size, int[] ordinals, float[] matrix, int stride, ListTopK candidates,
                          ListOffers offers) {
        int dim = sub.dim();
        for (int row = 0; row < size; row += SCAN_ROWS) {
            int n = Math.min(SCAN_ROWS, size - row);
            kernels.scorePanels(sub, data, listAt + 4L * dim * row, n, matrix, stride);
            for (int j = 0; j < sub.count(); j++) {
                offers.offer(candidates, map[j], matrix, j * stride, n, ordinals, row);
            }
        }
    }
}
