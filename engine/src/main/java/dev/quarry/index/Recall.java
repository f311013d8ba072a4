package dev.quarry.index;

import java.util.Arrays;

/**
 * Recall of an approximate result against the exact one: the share of each query's exact top k that
 * the approximate search also returned, averaged over the queries that have any. Shared by the
 * recall sweep of {@code quarry index recall} and the latency preset's choice of settings.
 */
public final class Recall {
    private Recall() {
    }

    /** Mean over queries of |found ∩ truth| / |truth|; NaN when no query has a result in {@code truth}. */
    public static double of(TopK truth, TopK found) {
        double sum = 0;
        int queries = 0;
        for (int q = 0; q < truth.queries(); q++) {
            double r = ofQuery(truth, q, found, q);
            if (!Double.isNaN(r)) {
                sum += r;
                queries++;
            }
        }
        return queries == 0 ? Double.NaN : sum / queries;
    }

    /**
     * |found ∩ truth| / |truth| of one query, query {@code tq} of {@code truth} against query {@code fq} of
     * {@code found} (a result searched in smaller calls than the truth); NaN when the truth holds nothing.
     */
    public static double ofQuery(TopK truth, int tq, TopK found, int fq) {
        int t = truth.count(tq);
        if (t == 0) {
            return Double.NaN;
        }
        int[] expected = new int[t];
        for (int i = 0; i < t; i++) {
            expected[i] = truth.id(tq, i);
        }
        Arrays.sort(expected);
        int hits = 0;
        for (int i = 0; i < found.count(fq); i++) {
            if (Arrays.binarySearch(expected, found.id(fq, i)) >= 0) {
                hits++;
            }
        }
        return (double) hits / t;
    }
}
