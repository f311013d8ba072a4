package dev.quarry.mining.strategy;

import dev.quarry.index.TopK;
import java.util.Arrays;

/** Builds the {@link TopK} of a block candidate by candidate, for sources that rank without an index. */
final class CandidateLists {
    private final int anchors;
    private final int depth;
    private final int[] ids;
    private final float[] scores;
    private final int[] ranks;
    private final int[] counts;

    CandidateLists(int anchors, int depth) {
        this.anchors = anchors;
        this.depth = depth;
        this.ids = new int[anchors * depth];
        this.scores = new float[anchors * depth];
        this.ranks = new int[anchors * depth];
        this.counts = new int[anchors];
        Arrays.fill(ids, -1);
        Arrays.fill(scores, Float.NaN);
    }

    /** Whether anchor {@code q} has room for another candidate. */
    boolean hasRoom(int q) {
        return counts[q] < depth;
    }

    /** Appends a candidate to anchor {@code q}'s list, with its rank (ignored unless explicit ranks are asked). */
    void add(int q, int id, float score, int rank) {
        int at = q * depth + counts[q]++;
        ids[at] = id;
        scores[at] = score;
        ranks[at] = rank;
    }

    /** The lists; with {@code explicitRanks} each candidate keeps the rank given to {@link #add}. */
    TopK toTopK(boolean explicitRanks) {
        return new TopK(anchors, depth, ids, scores, counts, explicitRanks ? ranks : null);
    }
}
