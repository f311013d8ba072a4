package dev.quarry.labels;

import java.util.Arrays;

/**
 * Relevance pairs resolved to ordinals: for each anchor (a row of the query store, or of the corpus
 * when anchors are corpus rows), the sorted, distinct corpus ordinals paired with it. Used for the
 * labelled positives and for known-positive groups. Compact (CSR: one int per pair) and immutable.
 */
public final class Qrels {
    private static final int[] NONE = new int[0];

    private final int[] anchors;
    private final int[] offsets;
    private final int[] docs;

    private Qrels(int[] anchors, int[] offsets, int[] docs) {
        this.anchors = anchors;
        this.offsets = offsets;
        this.docs = docs;
    }

    /** No pairs at all. */
    public static Qrels empty() {
        return new Qrels(NONE, new int[] {0}, NONE);
    }

    /** Anchors that have at least one pair, ascending. */
    public int[] anchors() {
        return anchors.clone();
    }

    /** Number of anchors with at least one pair. */
    public int anchorCount() {
        return anchors.length;
    }

    /** Number of distinct pairs. */
    public int pairCount() {
        return docs.length;
    }

    /** Whether {@code anchor} has at least one pair. */
    public boolean has(int anchor) {
        return Arrays.binarySearch(anchors, anchor) >= 0;
    }

    /** The sorted corpus ordinals paired with {@code anchor} (empty when none); a copy. */
    public int[] docs(int anchor) {
        int i = Arrays.binarySearch(anchors, anchor);
        return i < 0 ? NONE : Arrays.copyOfRange(docs, offsets[i], offsets[i + 1]);
    }

    /** Collects pairs in any order, with repeats; {@link #build()} sorts and removes repeats. */
    public static final class Builder {
        private long[] pairs = new long[1024];
        private int size;
        private long duplicates = -1;

        /** Adds the pair (anchor, doc). */
        public void add(int anchor, int doc) {
            if (size == pairs.length) {
                pairs = Arrays.copyOf(pairs, pairs.length * 2);
            }
            pairs[size++] = (long) anchor << 32 | (doc & 0xffffffffL);
        }

        /** Adds every pair of {@code other}. */
        public void addAll(Qrels other) {
            for (int i = 0; i < other.anchors.length; i++) {
                for (int j = other.offsets[i]; j < other.offsets[i + 1]; j++) {
                    add(other.anchors[i], other.docs[j]);
                }
            }
        }

        /** Adds every pair added to {@code other}, repeats included. */
        void addAll(Builder other) {
            if (size + other.size > pairs.length) {
                pairs = Arrays.copyOf(pairs, Math.max(pairs.length * 2, size + other.size));
            }
            System.arraycopy(other.pairs, 0, pairs, size, other.size);
            size += other.size;
        }

        /** Repeated pairs dropped by {@link #build()} (valid after it ran). */
        public long duplicates() {
            return duplicates;
        }

        /** The pairs, sorted and distinct. */
        public Qrels build() {
            long[] sorted = Arrays.copyOf(pairs, size);
            Arrays.parallelSort(sorted);
            int distinct = 0;
            for (int i = 0; i < sorted.length; i++) {
                if (i == 0 || sorted[i] != sorted[i - 1]) {
                    sorted[distinct++] = sorted[i];
                }
            }
            duplicates = size - distinct;
            int anchorCount = 0;
            for (int i = 0; i < distinct; i++) {
                if (i == 0 || sorted[i] >>> 32 != sorted[i - 1] >>> 32) {
                    anchorCount++;
                }
            }
            int[] anchors = new int[anchorCount];
            int[] offsets = new int[anchorCount + 1];
            int[] docs = new int[distinct];
            int a = -1;
            for (int i = 0; i < distinct; i++) {
                int anchor = (int) (sorted[i] >>> 32);
                if (a < 0 || anchors[a] != anchor) {
                    a++;
                    anchors[a] = anchor;
                    offsets[a] = i;
                }
                docs[i] = (int) sorted[i];
            }
            offsets[anchorCount] = distinct;
            return new Qrels(anchors, offsets, docs);
        }
    }
}
