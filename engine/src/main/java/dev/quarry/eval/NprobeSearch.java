package dev.quarry.eval;

import java.util.Map;
import java.util.TreeMap;

/**
 * The smallest nprobe whose recall reaches a target, found exactly with few recall counts: nprobe 1, 2, 4, ...
 * until the target is reached (or {@link ProbeRanks#most()}, tried last), then bisection between the last value
 * below the target and the first at or above it. Exact because recall never falls as nprobe grows: a query's
 * probed lists at nprobe p are among those at p + 1.
 *
 * @param nprobes every nprobe counted, ascending
 * @param recalls the recall at each
 * @param reached the smallest nprobe reaching the target, or 0 when even the largest does not
 */
record NprobeSearch(int[] nprobes, double[] recalls, int reached) {

    /** Searches {@code ranks} for the smallest nprobe with recall at least {@code target}. */
    static NprobeSearch smallest(ProbeRanks ranks, double target) {
        int most = ranks.most();
        Map<Integer, Double> counted = new TreeMap<>();
        int below = 0; // largest nprobe known below the target (0: none counted)
        int reached = 0;
        for (int nprobe = 1; ; nprobe = Math.min(most, 2 * nprobe)) {
            double recall = ranks.recall(nprobe);
            counted.put(nprobe, recall);
            if (recall >= target) {
                reached = nprobe;
                break;
            }
            below = nprobe;
            if (nprobe == most) {
                break;
            }
        }
        if (reached > 0) {
            while (reached - below > 1) {
                int mid = (below + reached) >>> 1;
                double recall = ranks.recall(mid);
                counted.put(mid, recall);
                if (recall >= target) {
                    reached = mid;
                } else {
                    below = mid;
                }
            }
        }
        int[] nprobes = new int[counted.size()];
        double[] recalls = new double[counted.size()];
        int i = 0;
        for (Map.Entry<Integer, Double> e : counted.entrySet()) {
            nprobes[i] = e.getKey();
            recalls[i++] = e.getValue();
        }
        return new NprobeSearch(nprobes, recalls, reached);
    }
}
