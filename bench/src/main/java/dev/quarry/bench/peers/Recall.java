package dev.quarry.bench.peers;

import java.util.Arrays;

/**
 * Recall@k against exact ids: for each query, the share of the exact top k that a contender returned
 * (in any order), averaged over the queries. Exact contenders score 1.0 up to ties at the k-th score.
 */
public final class Recall {
    private Recall() {
    }

    /**
     * Mean recall of {@code found} ({@code [query * k + rank]}) against {@code truth[query]}; with a
     * truth narrower than k, both lists are cut to its width.
     */
    public static double of(int[][] truth, int[] found, int queries, int k) {
        if (queries == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int q = 0; q < queries; q++) {
            int width = Math.min(k, truth[q].length);
            int[] expected = Arrays.copyOf(truth[q], width);
            Arrays.sort(expected);
            int hits = 0;
            for (int i = 0; i < width; i++) {
                int id = found[q * k + i];
                if (id >= 0 && Arrays.binarySearch(expected, id) >= 0) {
                    hits++;
                }
            }
            sum += (double) hits / width;
        }
        return sum / queries;
    }
}
