package dev.quarry.index.ivf;

import dev.quarry.index.Exclusions;
import dev.quarry.index.TopK;
import dev.quarry.vector.VectorKernels;
import java.util.Arrays;

/**
 * The k best candidates of each query of a super-block, kept unordered and merged a list at a time:
 * a query's candidates from one list ({@link ListOffers} picks them) join the ones it holds, and when
 * together they are more than k, one selection keeps the k best. A bounded heap fed one score at a time
 * did the same work with a sift through the heap per candidate, and across a super-block that cost more
 * than scoring the lists (docs/architecture.md, "Batch mining"). The result is the heap's: the order is
 * total (score descending, then ordinal ascending), so which k are kept never depends on the order the
 * lists come in, and {@link #sortInPlace} leaves each query's k best first in the layout of {@link TopK}.
 *
 * <p>Once a query holds k, its k are kept as a heap with the worst at the root, so that the few candidates a
 * later list adds (offers in an order unrelated to their scores enter a top k about k ln(N / k) times in N, so
 * short lists add a few, and often) each replace the root with one sift; a selection over the k held and the
 * new ones cost some 25 counts over all of them however few were new, more than scoring a short list
 * (docs/architecture.md, "Short lists"). Many new candidates at once still take the selection, then a heapify.
 *
 * <p>Threads that each merge only their own queries may use one instance at once (a query's slots, size
 * and threshold are touched only by its merges), each with a {@link Scratch} of its own.
 */
final class ListTopK {
    /**
     * New candidates up to k / this many join a full query's heap one sift each (about log2 k levels); more take
     * the selection (some 25 vector counts over all k + m, then a heapify). Chosen, not tuned: at k = 100, up to 12
     * sifts.
     */
    static final int SIFT_SHARE = 8;
    private final int k;
    private final int queries;
    private final float[] scores;
    private final int[] ids;
    private final int[] sizes;
    private final float[] thresholds;
    private final Exclusions exclusions;

    /** Empty candidates for {@code queries} queries, k each, with these exclusions (null for none). */
    ListTopK(int queries, int k, Exclusions exclusions) {
        if (queries < 0 || k < 1 || (long) queries * k > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("queries=" + queries + ", k=" + k);
        }
        this.k = k;
        this.queries = queries;
        this.scores = new float[queries * k];
        this.ids = new int[queries * k];
        this.sizes = new int[queries];
        this.thresholds = new float[queries];
        Arrays.fill(thresholds, Float.NEGATIVE_INFINITY);
        this.exclusions = exclusions == null ? Exclusions.NONE : exclusions;
    }

    /** Results asked per query. */
    int k() {
        return k;
    }

    /** Candidates query {@code q} holds (at most k). */
    int size(int q) {
        return sizes[q];
    }

    /** The score of query {@code q}'s k-th best held candidate, or -inf until it holds k. */
    float threshold(int q) {
        return thresholds[q];
    }

    /** Whether {@code ordinal} may never be a candidate of query {@code q}. */
    boolean excludes(int q, int ordinal) {
        return exclusions.excludes(q, ordinal);
    }

    /** A thread's working space for {@link #merge}. */
    static final class Scratch {
        private final KthLargest kth;
        private float[] scores = new float[0];
        private int[] ids = new int[0];
        private long[] keys = new long[0];

        /** Working space whose selections count on {@code kernels}. */
        Scratch(VectorKernels kernels) {
            this.kth = new KthLargest(kernels);
        }

        private void ensure(int n) {
            if (scores.length < n) {
                int size = Math.max(n, 2 * scores.length);
                scores = new float[size];
                ids = new int[size];
                keys = new long[size];
            }
        }
    }

    /**
     * Adds {@code m} candidates of query {@code q} ({@code newScores[i]} is corpus row {@code newIds[i]};
     * none excluded, none NaN, each at least {@link #threshold}) and keeps the k best of all it holds.
     */
    void merge(int q, float[] newScores, int[] newIds, int m, Scratch scratch) {
        if (m == 0) {
            return;
        }
        int base = q * k;
        int size = sizes[q];
        if (size + m <= k) {
            System.arraycopy(newScores, 0, scores, base + size, m);
            System.arraycopy(newIds, 0, ids, base + size, m);
            sizes[q] = size + m;
            if (size + m == k) {
                heapify(base);
                thresholds[q] = scores[base];
            }
            return;
        }
        if (size == k && m * SIFT_SHARE <= k) {
            for (int i = 0; i < m; i++) {
                float score = newScores[i];
                int id = newIds[i];
                if (worse(scores[base], ids[base], score, id)) {
                    siftDown(base, 0, score, id);
                }
            }
            thresholds[q] = scores[base];
            return;
        }
        int n = size + m;
        scratch.ensure(n);
        float[] s = newScores;
        int[] o = newIds;
        if (size > 0) { // a query's first list (most merges) selects from the new candidates in place
            s = scratch.scores;
            o = scratch.ids;
            System.arraycopy(scores, base, s, 0, size);
            System.arraycopy(ids, base, o, 0, size);
            System.arraycopy(newScores, 0, s, size, m);
            System.arraycopy(newIds, 0, o, size, m);
        }
        // The k-th best score: every candidate above it is kept, and of those equal to it the smallest
        // ordinals fill the places left (the total order's tie-break).
        float kth = scratch.kth.of(s, n, k - 1);
        int kept = 0;
        int ties = 0;
        long[] tied = scratch.keys;
        for (int i = 0; i < n; i++) {
            // Written at once and kept by the count, so no branch on a compare that goes either way about
            // as often: fewer than k values are above the k-th best, so the writes stay in the query's places.
            float score = s[i];
            scores[base + kept] = score;
            ids[base + kept] = o[i];
            kept += score > kth ? 1 : 0;
            if (score == kth) {
                tied[ties++] = ((long) o[i] << 32) | i;
            }
        }
        int wanted = k - kept;
        if (ties > wanted) {
            Arrays.sort(tied, 0, ties); // ordinals are never negative, so this orders them ascending
        }
        for (int j = 0; j < wanted; j++) {
            int i = (int) tied[j];
            scores[base + kept] = s[i];
            ids[base + kept] = o[i];
            kept++;
        }
        sizes[q] = k;
        heapify(base);
        thresholds[q] = kth;
    }

    /** Whether (s1, id1) ranks below (s2, id2) in the total order: lower score, or equal and larger ordinal. */
    private static boolean worse(float s1, int id1, float s2, int id2) {
        return s1 < s2 || (s1 == s2 && id1 > id2);
    }

    /** Orders a full query's k places at {@code base} as a heap, the worst candidate at the root. */
    private void heapify(int base) {
        for (int hole = k / 2 - 1; hole >= 0; hole--) {
            siftDown(base, hole, scores[base + hole], ids[base + hole]);
        }
    }

    /** Puts (score, ordinal) at {@code hole} of the heap at {@code base} and moves it down until its children rank above it. */
    private void siftDown(int base, int hole, float score, int ordinal) {
        while (true) {
            int child = 2 * hole + 1;
            if (child >= k) {
                break;
            }
            int at = base + child;
            if (child + 1 < k && worse(scores[at + 1], ids[at + 1], scores[at], ids[at])) {
                at++;
                child++;
            }
            if (!worse(scores[at], ids[at], score, ordinal)) {
                break;
            }
            scores[base + hole] = scores[at];
            ids[base + hole] = ids[at];
            hole = child;
        }
        scores[base + hole] = score;
        ids[base + hole] = ordinal;
    }

    /**
     * Sorts the candidates of queries {@code [from, to)} best first and pads each query's unused places
     * (id -1, NaN), so that {@link #result} can take them without a copy. Disjoint ranges may be sorted at
     * once; no query may be merged into after.
     */
    void sortInPlace(int from, int to, Scratch scratch) {
        scratch.ensure(k);
        long[] keys = scratch.keys;
        for (int q = from; q < to; q++) {
            int base = q * k;
            int size = sizes[q];
            boolean negativeZero = false;
            for (int i = 0; i < size; i++) {
                float score = scores[base + i];
                negativeZero |= Float.floatToRawIntBits(score) == 0x80000000;
                keys[i] = ((long) ~KthLargest.orderBits(score) << 32) | ids[base + i];
            }
            if (negativeZero) {
                // -0.0 equals 0.0 in the total order but not in the bits the keys compare: sort by the order itself.
                sortByOrder(base, size);
            } else {
                Arrays.sort(keys, 0, size);
                for (int i = 0; i < size; i++) {
                    long key = keys[i];
                    scores[base + i] = KthLargest.fromOrderBits(~(int) (key >> 32));
                    ids[base + i] = (int) key;
                }
            }
            Arrays.fill(ids, base + size, base + k, -1);
            Arrays.fill(scores, base + size, base + k, Float.NaN);
        }
    }

    /** The results, once {@link #sortInPlace} has sorted every query exactly once; the storage is the result's. */
    TopK result() {
        return new TopK(queries, k, ids, scores, sizes);
    }

    /** Insertion sort of one query's candidates by the total order (only where a score is -0.0). */
    private void sortByOrder(int base, int size) {
        for (int i = 1; i < size; i++) {
            float s = scores[base + i];
            int o = ids[base + i];
            int j = i - 1;
            while (j >= 0 && (scores[base + j] < s || (scores[base + j] == s && ids[base + j] > o))) {
                scores[base + j + 1] = scores[base + j];
                ids[base + j + 1] = ids[base + j];
                j--;
            }
            scores[base + j + 1] = s;
            ids[base + j + 1] = o;
        }
    }
}
