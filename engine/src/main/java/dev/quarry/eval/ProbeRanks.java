package dev.quarry.eval;

import dev.quarry.index.SortedInts;
import java.util.Arrays;

/**
 * Where each query's true neighbours' lists stand among the query's best-scoring lists, so that recall at any
 * nprobe up to {@link #most()} is one count per query instead of a scan of the probed lists: a search for the
 * smallest nprobe reaching a recall can then try as many values as it likes. Not thread-safe (read-only after
 * construction, so sharing it is safe).
 */
final class ProbeRanks {
    /** Per query, the rank of each true neighbour's list among its best lists, ascending; {@code most} when beyond. */
    private final int[][] ranks;
    private final int most;

    /**
     * @param truth each query's exact top k (corpus ordinals)
     * @param lists each corpus row's list
     * @param probes each query's {@code most} best lists, best first, row-major ({@code -1} where there are fewer)
     * @param most probes per query in {@code probes}
     * @param nlist lists in the index
     */
    ProbeRanks(int[][] truth, int[] lists, int[] probes, int most, int nlist) {
        this.most = most;
        this.ranks = new int[truth.length][];
        int[] rankOf = new int[nlist];
        Arrays.fill(rankOf, most);
        for (int q = 0; q < truth.length; q++) {
            for (int j = 0; j < most; j++) {
                int list = probes[q * most + j];
                if (list >= 0) {
                    rankOf[list] = Math.min(rankOf[list], j);
                }
            }
            int[] r = new int[truth[q].length];
            for (int t = 0; t < r.length; t++) {
                r[t] = rankOf[lists[truth[q][t]]];
            }
            Arrays.sort(r);
            ranks[q] = r;
            for (int j = 0; j < most; j++) {
                int list = probes[q * most + j];
                if (list >= 0) {
                    rankOf[list] = most;
                }
            }
        }
    }

    /** The largest nprobe this ranking answers for. */
    int most() {
        return most;
    }

    /**
     * Mean share of each query's true top k whose list is among its {@code nprobe} best (queries without
     * neighbours not counted), summed in query order: the same figure as scanning the probed lists.
     */
    double recall(int nprobe) {
        if (nprobe < 1 || nprobe > most) {
            throw new IllegalArgumentException("nprobe=" + nprobe + ", expected 1.." + most);
        }
        double sum = 0;
        int counted = 0;
        for (int[] r : ranks) {
            if (r.length == 0) {
                continue;
            }
            int hits = SortedInts.lowerBound(r, nprobe);
            sum += (double) hits / r.length;
            counted++;
        }
        return counted == 0 ? Double.NaN : sum / counted;
    }
}
