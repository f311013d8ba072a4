package dev.quarry.index.ivf;

import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.RowPanels;
import dev.quarry.vector.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The list stage of one block's search ({@link SelectingScan}): the lists of its plan, claimed one at a time
 * from a counter by whichever thread scans next, each list scored against the queries that probe it and merged
 * into their candidates. The block's own thread claims them in order; another thread of the same call that has
 * finished its own lists may claim the rest ({@link ListShare}), so the two end together whichever block probed
 * the more bytes. Only a plan whose queries each probe one list at most may be shared: then a list's merges touch
 * queries no other list touches, so two threads never merge into one query ({@link ListTopK}'s contract), and a
 * query's candidates are the same whichever thread scanned its list.
 */
final class ListScan {
    private static final int SCAN_QUERIES = IvfBatchSearch.SCAN_QUERIES;
    private static final int SCAN_ROWS = IvfBatchSearch.SCAN_ROWS;

    private final IvfIndex index;
    private final MemorySegment data;
    private final QueryBlock queries;
    private final IvfIndex.ProbePlan plan;
    private final ListTopK candidates;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger done = new AtomicInteger();
    private volatile Throwable failure;

    ListScan(IvfIndex index, MemorySegment data, QueryBlock queries, IvfIndex.ProbePlan plan, ListTopK candidates) {
        this.index = index;
        this.data = data;
        this.queries = queries;
        this.plan = plan;
        this.candidates = candidates;
    }

    /** Whether no query of the plan probes more than one list, so its lists may be scanned by several threads. */
    boolean shareable() {
        boolean[] seen = new boolean[queries.count()];
        for (int q : plan.queryIds()) {
            if (seen[q]) {
                return false;
            }
            seen[q] = true;
        }
        return true;
    }

    /** The most queries a list is scored against at once, and the rows of the longest list: a thread's buffers. */
    Buffers buffers(VectorKernels kernels) {
        int most = 1;
        int longest = 1;
        for (int g = 0; g < plan.lists(); g++) {
            most = Math.max(most, plan.probers(g));
            longest = Math.max(longest, index.listSize(plan.list(g)));
        }
        return new Buffers(kernels, queries.dim(), Math.min(most, SCAN_QUERIES), longest);
    }

    /** Claims the next list not yet claimed and scans it with {@code own}; false when none is left. */
    boolean scanNext(Buffers own) {
        int g = next.getAndIncrement();
        if (g >= plan.lists()) {
            return false;
        }
        try {
            scan(g, own);
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            done.incrementAndGet(); // after the merges: whoever sees the count sees them
        }
        return true;
    }

    /**
     * Once every list is claimed: waits until the lists other threads claimed are merged (at most one list each),
     * then rethrows what failed in one of them.
     */
    void awaitScanned() {
        int spins = 0;
        while (done.get() < plan.lists()) {
            if (++spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield(); // the thread finishing the list may need this CPU
            }
        }
        Throwable failed = failure;
        if (failed instanceof RuntimeException e) {
            throw e;
        }
        if (failed instanceof Error e) {
            throw e;
        }
    }

    private void scan(int g, Buffers own) {
        int list = plan.list(g);
        int size = index.listSize(list);
        if (size == 0) {
            return;
        }
        int probers = plan.probers(g);
        int stride = (int) RowPanels.paddedRows(Math.min(size, SCAN_ROWS));
        own.fit(Math.min(probers, SCAN_QUERIES), stride, size);
        index.copyOrdinals(list, own.ordinals);
        long at = index.listVectorsAt(list);
        for (int first = 0; first < probers; first += SCAN_QUERIES) {
            int m = Math.min(SCAN_QUERIES, probers - first);
            own.sub.clear();
            for (int j = 0; j < m; j++) {
                own.map[j] = plan.queryIds()[plan.start()[g] + first + j];
                queries.copyTo(own.map[j], own.row);
                own.sub.add(own.row);
            }
            IvfBatchSearch.scoreList(own.kernels, own.sub, own.map, data, at, size, own.ordinals, own.matrix, stride,
                    candidates, own.offers);
        }
    }

    /** One thread's working space for scanning lists: sized for its own plan, grown for a longer list it takes. */
    static final class Buffers {
        private final VectorKernels kernels;
        private final int dim;
        private final ListOffers offers;
        private final float[] row;
        private QueryBlock sub;
        private int[] map;
        private float[] matrix;
        private int[] ordinals;

        Buffers(VectorKernels kernels, int dim, int width, int longest) {
            this.kernels = kernels;
            this.dim = dim;
            this.offers = new ListOffers(kernels);
            this.row = new float[dim];
            this.sub = new QueryBlock(width, dim);
            this.map = new int[width];
            this.matrix = new float[width * (int) RowPanels.paddedRows(Math.min(longest, SCAN_ROWS))];
            this.ordinals = new int[longest];
        }

        /** The working space of the selection that sorts the candidates at the end. */
        ListTopK.Scratch scratch() {
            return offers.scratch();
        }

        private void fit(int width, int stride, int size) {
            if (sub.capacity() < width) {
                sub = new QueryBlock(width, dim);
                map = new int[width];
            }
            if (matrix.length < width * stride) {
                matrix = new float[width * stride];
            }
            if (ordinals.length < size) {
                ordinals = new int[size];
            }
        }
    }
}
