package dev.quarry.mining;

import dev.quarry.mining.candidate.AnchorContext;

import dev.quarry.mining.candidate.Shortfall;

/**
 * The negatives mined for one anchor, in rank order, with the anchor's labelled positives.
 *
 * @param anchor the anchor's ordinal (a row of the query store, or an index into the caller's array)
 * @param positives the labelled positives (corpus ordinals, ascending)
 * @param positiveScores their scores against the anchor
 * @param negatives the mined negatives (corpus ordinals), best rank first
 * @param negativeScores their scores
 * @param negativeRanks their 0-based ranks among the rows left after exclusions
 * @param shortfall why fewer negatives than asked were found, or {@link Shortfall#NONE}
 * @param leftOut whether the anchor is left out of the output (it was short under a policy that leaves
 *                such anchors out: {@link ShortfallPolicy#leaveOut()}); its negatives are then empty
 */
public record MinedAnchor(int anchor, int[] positives, float[] positiveScores, int[] negatives,
                          float[] negativeScores, int[] negativeRanks, Shortfall shortfall, boolean leftOut) {

    /** An anchor written to the output. */
    public MinedAnchor(int anchor, int[] positives, float[] positiveScores, int[] negatives, float[] negativeScores,
                       int[] negativeRanks, Shortfall shortfall) {
        this(anchor, positives, positiveScores, negatives, negativeScores, negativeRanks, shortfall, false);
    }

    /** The reference of the margins: see {@link AnchorContext#reference(float[])}. */
    public float positiveReference() {
        return AnchorContext.reference(positiveScores);
    }
}
