package dev.quarry.bench.peers;

import java.util.Arrays;

/**
 * The k best (row, score) pairs of one query, kept in a bounded min-heap whose root is the worst kept
 * pair: what a user of a dot-product primitive (Lucene's {@code VectorUtil}, JVector's vectors, a plain
 * loop) writes around it to get a top-k. The order is Quarry's total order (score descending, then row
 * ascending), so exact peers and Quarry's flat index can be compared id for id, ties included.
 *
 * <p>Not thread-safe: one heap per worker thread, reset between queries without allocation.
 */
public final class TopKHeap {
    private final int k;
    private final float[] scores;
    private final int[] rows;
    private int size;

    /** An empty heap keeping at most {@code k} pairs. */
    public TopKHeap(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k=" + k + ", expected >= 1");
        }
        this.k = k;
        this.scores = new float[k];
        this.rows = new int[k];
    }

    /** Forgets every pair. */
    public void reset() {
        size = 0;
    }

    /** Pairs kept (at most k). */
    public int size() {
        return size;
    }

    /**
     * The score a new pair must beat once the heap is full; {@code -Infinity} before. Callers scanning
     * rows in ascending order may skip {@link #offer} for scores not above it: a tie would lose to the
     * kept row, whose ordinal is smaller.
     */
    public float threshold() {
        return size < k ? Float.NEGATIVE_INFINITY : scores[0];
    }

    /** Keeps {@code (row, score)} if it is among the k best seen so far. */
    public void offer(int row, float score) {
        if (size < k) {
            int i = size++;
            scores[i] = score;
            rows[i] = row;
            siftUp(i);
        } else if (worse(scores[0], rows[0], score, row)) {
            scores[0] = score;
            rows[0] = row;
            siftDown(0);
        }
    }

    /**
     * Writes the kept rows best first into {@code out[offset, offset + k)}, padding with -1 when fewer
     * than k were offered, and empties the heap.
     */
    public void drainTo(int[] out, int offset) {
        int n = size;
        Arrays.fill(out, offset + n, offset + k, -1);
        // Popping the root yields the worst first, so fill from the back.
        for (int i = n - 1; i >= 0; i--) {
            out[offset + i] = rows[0];
            size--;
            if (size > 0) {
                scores[0] = scores[size];
                rows[0] = rows[size];
                siftDown(0);
            }
        }
    }

    /** Whether pair a ranks below pair b in the total order (lower score, or same score and larger row). */
    private static boolean worse(float scoreA, int rowA, float scoreB, int rowB) {
        return scoreA < scoreB || (scoreA == scoreB && rowA > rowB);
    }

    private void siftUp(int i) {
        float s = scores[i];
        int r = rows[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!worse(s, r, scores[parent], rows[parent])) {
                break;
            }
            scores[i] = scores[parent];
            rows[i] = rows[parent];
            i = parent;
        }
        scores[i] = s;
        rows[i] = r;
    }

    private void siftDown(int i) {
        float s = scores[i];
        int r = rows[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && worse(scores[child + 1], rows[child + 1], scores[child], rows[child])) {
                child++;
            }
            if (!worse(scores[child], rows[child], s, r)) {
                break;
            }
            scores[i] = scores[child];
            rows[i] = rows[child];
            i = child;
        }
        scores[i] = s;
        rows[i] = r;
    }
}
