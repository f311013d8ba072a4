package dev.quarry.index;

/**
 * Searches in ascending {@code int} arrays: the ordinals of a query's exclusions, the queries of a probe plan's
 * list, the ranks at which a query's true neighbours' lists come. Where a run of equal values starts matters
 * to those callers (how many are below a bound, the slice within a range), so this is a lower bound rather
 * than {@link java.util.Arrays#binarySearch}, which returns any of the equal ones.
 *
 * <p>Stateless; the arrays are read, never written.
 */
public final class SortedInts {
    private SortedInts() {
    }

    /**
     * How many values of the ascending {@code sorted} are below {@code key}: the first index whose value is at
     * least it.
     */
    public static int lowerBound(int[] sorted, long key) {
        return lowerBound(sorted, 0, sorted.length, key);
    }

    /**
     * The first index in {@code [from, to)} of {@code sorted} (ascending there) whose value is at least
     * {@code key}, or {@code to} when none is. The key is a {@code long} so that a bound beyond the ints (a row
     * of a store past 2^31) compares as it is, never wrapped.
     */
    public static int lowerBound(int[] sorted, int from, int to, long key) {
        int lo = from;
        int hi = to;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
