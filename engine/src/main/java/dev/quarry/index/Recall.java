package dev.quarry.index;

import java.util.Arrays;

/**
 * Recall of an approximate result against the exact one: the share of each query's exact top k that
 * the approximate search also returned, averaged over the queries that have any. Shared by the
 * recall sweep of {@code quarry index recall} and the latency preset's choice of nprobe.
 */
public final class Recall {
    private Recall() {
    }

    /** Mean over queries of |found ∩ truth| / |truth|; NaN when no query has a result in {@code truth}. */
    public static double of(TopK truth, TopK found) {
        double sum = 0;
        int queries = 0;
        for (int q = 0; q < truth.queries(); q++) {
            int t = truth.count(q);
            if (t == 0) {
                continue;
            }
            int[] expected = new int[t];
            for (int i = 0; i < t; i++) {
                expected[i] = truth.id(q, i);
            }
            Arrays.sort(expected);
            int hits = 0;
            for (int i = 0; i < found.count(q); i++) {
                if (Arrays.binarySearch(expected, found.id(q, i)) >= 0) {
                    hits++;
                }
            }
            sum += (double) hits / t;
            queries++;
        }
        return queries == 0 ? Double.NaN : sum / queries;
    }
}
