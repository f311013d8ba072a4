package dev.quarry.tune;

import dev.quarry.labels.Qrels;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.MiningStats;

/**
 * What one configuration mined for the training anchors, folded in anchor order: how many anchors got no
 * negative (of those written), how many were left out, the negatives' mean score (hardness), and how many
 * negatives are known positives (false negatives: the known positives and the truth file's pairs).
 *
 * @param anchors training anchors mined
 * @param negatives negatives mined
 * @param withoutNegative anchors written with no negative
 * @param leftOut anchors left out of the set (a policy that leaves short anchors out)
 * @param meanNegativeScore mean score of the negatives (NaN when none)
 * @param falseNegatives negatives that are known positives of their anchor
 * @param stats the run's statistics as {@code quarry mine} prints them (shortfalls by reason)
 */
public record MinedSetSummary(long anchors, long negatives, long withoutNegative, long leftOut,
                              double meanNegativeScore, long falseNegatives, MiningStats stats) {

    /** Folds {@code mined} (in anchor order) mined with {@code config}; {@code truth} may be empty. */
    static MinedSetSummary of(MinedAnchor[] mined, MiningConfig config, Qrels truth) {
        MiningStats stats = new MiningStats(config);
        long negatives = 0;
        long without = 0;
        long leftOut = 0;
        long fn = 0;
        double sum = 0;
        for (MinedAnchor a : mined) {
            stats.add(a);
            if (a.leftOut()) {
                leftOut++;
                continue;
            }
            if (a.negatives().length == 0) {
                without++;
            }
            int[] positives = truth.docs(a.anchor());
            for (int i = 0; i < a.negatives().length; i++) {
                negatives++;
                sum += a.negativeScores()[i];
                if (java.util.Arrays.binarySearch(positives, a.negatives()[i]) >= 0) {
                    fn++;
                }
            }
        }
        return new MinedSetSummary(mined.length, negatives, without, leftOut, negatives == 0 ? Double.NaN
                : sum / negatives, fn, stats);
    }

    /** Share of the training anchors written with no negative. */
    public double withoutNegativeShare() {
        return anchors == 0 ? 0 : (double) withoutNegative / anchors;
    }

    /** Share of the training anchors left out. */
    public double leftOutShare() {
        return anchors == 0 ? 0 : (double) leftOut / anchors;
    }

    /** Known false negatives over negatives (NaN when none was mined). */
    public double falseNegativeRate() {
        return negatives == 0 ? Double.NaN : (double) falseNegatives / negatives;
    }
}
