package dev.quarry.mining;

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
 */
public record MinedAnchor(int anchor, int[] positives, float[] positiveScores, int[] negatives,
                          float[] negativeScores, int[] negativeRanks, Shortfall shortfall) {

    /** The reference of the margins: see {@link #reference(float[])}. */
    public float positiveReference() {
        return reference(positiveScores);
    }

    /**
     * The lowest of the positive scores, the reference the margins compare with; NaN without
     * positives or when any positive score is NaN (a broken positive vouches for nothing).
     */
    public static float reference(float[] positiveScores) {
        float min = Float.NaN;
        for (int i = 0; i < positiveScores.length; i++) {
            float s = positiveScores[i];
            if (Float.isNaN(s)) {
                return Float.NaN;
            }
            min = i == 0 || s < min ? s : min;
        }
        return min;
    }
}
