package dev.quarry.index;

import dev.quarry.vector.CandidateSink;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One bounded heap per query of a block, fed by the fused kernel: the heap root is the query's
 * current k-th best, and its score is published in {@link #thresholds()} so the kernel rejects
 * nearly every later score with one vector compare. The order is total (score descending, then
 * ordinal ascending), so the result never depends on the order rows are scanned in or on how the
 * corpus was split between threads.
 *
 * <p>Reusable from block to block ({@link #reset}); not thread-safe: one per thread, and threads
 * that scanned parts of the corpus are combined with {@link #mergeFrom}.
 */
public final class TopKCollector implements CandidateSink {
    private final int capacityQueries;
    private final int k;
    private final float[] scores;
    private final int[] ids;
    private final int[] sizes;
    private final float[] thresholds;
    private int queries;
    private Exclusions exclusions = Exclusions.NONE;
    private int rowBase;
    private int[] rowIds;

    /** Heaps of size {@code k} for up to {@code maxQueries} queries. */
    public TopKCollector(int maxQueries, int k) {
        if (maxQueries < 1 || k < 1 || (long) maxQueries * k > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxQueries=" + maxQueries + ", k=" + k + ", expected both >= 1");
        }
        this.capacityQueries = maxQueries;
        this.k = k;
        this.scores = new float[maxQueries * k];
        this.ids = new int[maxQueries * k];
        this.sizes = new int[maxQueries];
        this.thresholds = new float[maxQueries];
    }

    /** Empties the heaps for a block of {@code n} queries with these exclusions. */
    public void reset(int n, Exclusions excluded) {
        if (n > capacityQueries) {
            throw new IllegalArgumentException("queries=" + n + ", expected <= " + capacityQueries);
        }
        queries = n;
        exclusions = excluded == null ? Exclusions.NONE : excluded;
        Arrays.fill(sizes, 0, n, 0);
        Arrays.fill(thresholds, 0, n, Float.NEGATIVE_INFINITY);
        rowBase = 0;
        rowIds = null;
    }

    /** Rows offered next are ordinals {@code base + row} (a contiguous range of the corpus). */
    public void rowsFrom(int base) {
        rowBase = base;
        rowIds = null;
    }

    /** Rows offered next are ordinals {@code ids[row]} (an inverted list). */
    public void rowsMappedBy(int[] ordinals) {
        rowIds = ordinals;
    }

    /** The per-query thresholds the kernel compares with: the k-th best score, or -inf until k are held. */
    public float[] thresholds() {
        return thresholds;
    }

    /** Results asked per query. */
    public int k() {
        return k;
    }

    /** Candidates query {@code q}'s heap holds now (at most k). */
    public int size(int q) {
        return sizes[q];
    }

    @Override
    public void offer(int query, int row, float score) {
        int ordinal = rowIds == null ? rowBase + row : rowIds[row];
        if (!exclusions.excludes(query, ordinal)) {
            push(query, ordinal, score);
        }
    }

    /**
     * Offers one candidate directly, with the exclusion check. Threads that each offer only their own
     * queries of the block may call this at once: a query's heap, size and threshold are touched only
     * by its offers.
     */
    public void offerOrdinal(int query, int ordinal, float score) {
        if (score >= thresholds[query] && !exclusions.excludes(query, ordinal)) {
            push(query, ordinal, score);
        }
    }

    /** Whether the block's exclusions leave {@code ordinal} out of query {@code query}'s results. */
    public boolean excluded(int query, int ordinal) {
        return exclusions.excludes(query, ordinal);
    }

    private void push(int query, int ordinal, float score) {
        int base = query * k;
        int size = sizes[query];
        if (size < k) {
            siftUp(base, size, score, ordinal);
            sizes[query] = size + 1;
            if (size + 1 == k) {
                thresholds[query] = scores[base];
            }
        } else if (worse(scores[base], ids[base], score, ordinal)) {
            siftDown(base, score, ordinal);
            thresholds[query] = scores[base];
        }
    }

    /** Whether (s1, id1) ranks below (s2, id2): lower score, or equal score and larger ordinal. */
    private static boolean worse(float s1, int id1, float s2, int id2) {
        return s1 < s2 || (s1 == s2 && id1 > id2);
    }

    private void siftUp(int base, int hole, float score, int ordinal) {
        while (hole > 0) {
            int parent = (hole - 1) >>> 1;
            if (!worse(score, ordinal, scores[base + parent], ids[base + parent])) {
                break;
            }
            scores[base + hole] = scores[base + parent];
            ids[base + hole] = ids[base + parent];
            hole = parent;
        }
        scores[base + hole] = score;
        ids[base + hole] = ordinal;
    }

    private void siftDown(int base, float score, int ordinal) {
        siftDown(scores, ids, base, k, score, ordinal);
    }

    /**
     * Moves (score, ordinal) down from the root of the heap {@code [base, base + size)} of the given
     * arrays until both children rank below it.
     */
    private static void siftDown(float[] s, int[] o, int base, int size, float score, int ordinal) {
        int hole = 0;
        while (true) {
            int child = 2 * hole + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && worse(s[base + child + 1], o[base + child + 1], s[base + child], o[base + child])) {
                child++;
            }
            if (!worse(s[base + child], o[base + child], score, ordinal)) {
                break;
            }
            s[base + hole] = s[base + child];
            o[base + hole] = o[base + child];
            hole = child;
        }
        s[base + hole] = score;
        o[base + hole] = ordinal;
    }

    /**
     * This collector first, then {@code count - 1} new ones reset for the same block, one per part of a
     * search split between threads; {@link #mergeFrom(List)} folds them back.
     */
    public List<TopKCollector> withPartners(int count) {
        List<TopKCollector> parts = new ArrayList<>(count);
        parts.add(this);
        for (int t = 1; t < count; t++) {
            TopKCollector part = new TopKCollector(Math.max(1, queries), k);
            part.reset(queries, exclusions);
            parts.add(part);
        }
        return parts;
    }

    /** Adds every candidate of the other collectors of {@code parts} (this one may be among them). */
    public void mergeFrom(List<TopKCollector> parts) {
        for (TopKCollector part : parts) {
            if (part != this) {
                mergeFrom(part);
            }
        }
    }

    /** Adds every candidate held by {@code other} (which scanned another part of the corpus). */
    public void mergeFrom(TopKCollector other) {
        for (int q = 0; q < queries; q++) {
            int base = q * other.k;
            for (int i = 0; i < other.sizes[q]; i++) {
                float score = other.scores[base + i];
                if (score >= thresholds[q]) {
                    push(q, other.ids[base + i], score);
                }
            }
        }
    }

    /**
     * The results, each query's heap sorted best first in the collector's own arrays, without a copy
     * (a search of hundreds of thousands of queries would otherwise hold its candidates twice). The
     * collector must not be used again: the result is its storage.
     */
    public TopK sortedInPlace() {
        sortInPlace(0, queries);
        return sortedResult();
    }

    /**
     * Sorts the heaps of queries {@code [from, to)} best first in the collector's own arrays, so that
     * threads that each own a range of queries sort their own ({@link #sortedResult()} then takes the
     * results without a copy). Disjoint ranges may be sorted at once; no query may be offered to after.
     */
    public void sortInPlace(int from, int to) {
        for (int q = from; q < to; q++) {
            int base = q * k;
            int size = sizes[q];
            // Heap sort: the root is the worst, so moving it behind the shrinking heap leaves the best first.
            for (int n = size; n > 1; n--) {
                float s = scores[base + n - 1];
                int o = ids[base + n - 1];
                scores[base + n - 1] = scores[base];
                ids[base + n - 1] = ids[base];
                siftDown(scores, ids, base, n - 1, s, o);
            }
            Arrays.fill(ids, base + size, base + k, -1);
            Arrays.fill(scores, base + size, base + k, Float.NaN);
        }
    }

    /**
     * The results in the collector's own arrays, once {@link #sortInPlace} has sorted every query's heap
     * exactly once. The collector must not be used again: the result is its storage.
     */
    public TopK sortedResult() {
        int[] counts = Arrays.copyOf(sizes, queries);
        queries = 0;
        return new TopK(counts.length, k, ids, scores, counts);
    }

    /** The results, each query's heap sorted best first. The collector can be reset afterwards. */
    public TopK result() {
        int[] outIds = new int[queries * k];
        float[] outScores = new float[queries * k];
        int[] counts = new int[queries];
        Arrays.fill(outIds, -1);
        Arrays.fill(outScores, Float.NaN);
        for (int q = 0; q < queries; q++) {
            int base = q * k;
            int size = sizes[q];
            counts[q] = size;
            // Pop the heap: the root is the worst, so fill from the back.
            float[] s = Arrays.copyOfRange(scores, base, base + size);
            int[] o = Arrays.copyOfRange(ids, base, base + size);
            for (int n = size; n > 0; n--) {
                outScores[base + n - 1] = s[0];
                outIds[base + n - 1] = o[0];
                if (n > 1) {
                    siftDown(s, o, 0, n - 1, s[n - 1], o[n - 1]);
                }
            }
        }
        return new TopK(queries, k, outIds, outScores, counts);
    }
}
