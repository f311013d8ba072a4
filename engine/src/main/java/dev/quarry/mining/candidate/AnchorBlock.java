package dev.quarry.mining.candidate;

import dev.quarry.vector.QueryBlock;

/**
 * The anchors of one block, as a candidate source sees them.
 *
 * @param queries the anchors' vectors in block order, or null when mining without embeddings
 * @param anchors the anchors' ordinals
 * @param positives per anchor, its labelled positives (sorted corpus ordinals)
 * @param exclusions per anchor, every ordinal that must not be a negative (sorted; positives included)
 */
public record AnchorBlock(QueryBlock queries, int[] anchors, int[][] positives, int[][] exclusions) {
    /** Anchors in the block. */
    public int size() {
        return anchors.length;
    }
}
