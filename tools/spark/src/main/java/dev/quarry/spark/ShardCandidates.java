package dev.quarry.spark;

import dev.quarry.index.TopK;
import java.io.Serializable;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * The candidates of one block of anchors from one or more shards: per anchor, up to {@code depth} corpus
 * ordinals with their scores in the engine's total order (score descending, then ordinal ascending: the
 * order of {@link dev.quarry.index.TopKCollector}), and, when the near-duplicate filter is on, each
 * candidate's verdict, judged on the shard that holds its row. Shard 0's part also carries the block itself
 * and its positives' scores. {@link #merge} keeps the best {@code depth} of two parts; since the order is
 * total, merging shards in any grouping gives the one-machine list.
 *
 * @param block the block (from shard 0's part), or null
 * @param positiveScores per anchor, its positives' scores (from shard 0's part), or null
 * @param depth candidates kept per anchor ({@code rangeMax})
 * @param counts candidates per anchor
 * @param ids ordinals, {@code [anchor * depth + i]}
 * @param scores their scores
 * @param nearDuplicates their near-duplicate verdicts, or null when the filter is off
 */
record ShardCandidates(BlockInput block, float[][] positiveScores, int depth, int[] counts, int[] ids,
                       float[] scores, boolean[] nearDuplicates) implements Serializable {

    /** Whether (s1, id1) ranks above (s2, id2) in the engine's total order. */
    private static boolean better(float s1, int id1, float s2, int id2) {
        return s1 > s2 || (s1 == s2 && id1 < id2);
    }

    /** The best {@code depth} candidates per anchor of both parts, and whichever part carries the block. */
    static ShardCandidates merge(ShardCandidates a, ShardCandidates b) {
        int anchors = a.counts.length;
        int depth = a.depth;
        int[] counts = new int[anchors];
        int[] ids = new int[anchors * depth];
        float[] scores = new float[anchors * depth];
        boolean[] flags = a.nearDuplicates == null ? null : new boolean[anchors * depth];
        for (int q = 0; q < anchors; q++) {
            int base = q * depth;
            int i = 0;
            int j = 0;
            int n = 0;
            while (n < depth && (i < a.counts[q] || j < b.counts[q])) {
                boolean takeA = j >= b.counts[q] || (i < a.counts[q]
                        && better(a.scores[base + i], a.ids[base + i], b.scores[base + j], b.ids[base + j]));
                ShardCandidates from = takeA ? a : b;
                int at = base + (takeA ? i++ : j++);
                ids[base + n] = from.ids[at];
                scores[base + n] = from.scores[at];
                if (flags != null) {
                    flags[base + n] = from.nearDuplicates[at];
                }
                n++;
            }
            counts[q] = n;
        }
        return new ShardCandidates(a.block != null ? a.block : b.block,
                a.positiveScores != null ? a.positiveScores : b.positiveScores, depth, counts, ids, scores, flags);
    }

    /** The merged candidates as the engine's result type (rank = position). */
    TopK topK() {
        return new TopK(counts.length, depth, ids, scores, counts);
    }

    /** Anchor {@code q}'s near-duplicate verdicts as a test on ordinals, or null when the filter is off. */
    IntPredicate nearDuplicates(int q) {
        if (nearDuplicates == null) {
            return null;
        }
        int base = q * depth;
        int[] flagged = new int[counts[q]];
        int n = 0;
        for (int i = 0; i < counts[q]; i++) {
            if (nearDuplicates[base + i]) {
                flagged[n++] = ids[base + i];
            }
        }
        int[] sorted = Arrays.copyOf(flagged, n);
        Arrays.sort(sorted);
        return ordinal -> Arrays.binarySearch(sorted, ordinal) >= 0;
    }
}
