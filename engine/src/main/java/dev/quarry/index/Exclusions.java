package dev.quarry.index;

import java.util.Arrays;

/**
 * Corpus ordinals that must not come back for a query of a block: its positives, known positives,
 * and the anchor itself when anchors are corpus rows. Checked only for candidates that already beat
 * a query's current k-th score, so a binary search per check (a scan of a short array) is cheap.
 */
@FunctionalInterface
public interface Exclusions {
    /** Sorted arrays at most this long are scanned instead of searched. */
    int SCAN_BELOW = 8;

    /** Nothing is excluded. */
    Exclusions NONE = (query, ordinal) -> false;

    /** Whether {@code ordinal} is excluded for query {@code query} of the block. */
    boolean excludes(int query, int ordinal);

    /**
     * Exclusions from one sorted array of ordinals per query ({@code null} for none).
     * The arrays are used as given: callers sort them and do not modify them afterwards.
     */
    static Exclusions ofSorted(int[][] sortedPerQuery) {
        return (query, ordinal) -> {
            int[] excluded = sortedPerQuery[query];
            if (excluded == null) {
                return false;
            }
            if (excluded.length > SCAN_BELOW) {
                return Arrays.binarySearch(excluded, ordinal) >= 0;
            }
            // An anchor's positive or two, as mining excludes them: a compare each, not a search's call.
            for (int e : excluded) {
                if (e == ordinal) {
                    return true;
                }
            }
            return false;
        };
    }
}
