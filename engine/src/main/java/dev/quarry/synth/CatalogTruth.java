package dev.quarry.synth;

import dev.quarry.mining.MinedAnchor;

/**
 * The true positives of a {@link SyntheticCatalog}'s anchors: the real positive (labelled, or not
 * when the label is noise) and the planted near-copies. Measures the false-negative rate of a mined
 * set: the share of mined negatives that are in truth positives.
 */
public final class CatalogTruth {
    private final int[] positive;
    private final int[] labelled;
    private final int[] plantedFirst;
    private final int[] plantedCount;

    CatalogTruth(int[] positive, int[] labelled, int[] plantedFirst, int[] plantedCount) {
        this.positive = positive;
        this.labelled = labelled;
        this.plantedFirst = plantedFirst;
        this.plantedCount = plantedCount;
    }

    /** Whether {@code doc} is in truth a positive of {@code anchor}. */
    public boolean isTruePositive(int anchor, int doc) {
        return doc == positive[anchor]
                || (doc >= plantedFirst[anchor] && doc < plantedFirst[anchor] + plantedCount[anchor]);
    }

    /** Whether anchor {@code anchor}'s label is wrong (planted label noise). */
    public boolean mislabelled(int anchor) {
        return labelled[anchor] != positive[anchor];
    }

    /** Anchors in the catalog. */
    public int anchors() {
        return positive.length;
    }

    /** Counts mined negatives and false negatives, anchor by anchor. Not thread-safe. */
    public final class Counter {
        private long negatives;
        private long falseNegatives;
        private double scoreSum;

        /** Counts one mined anchor. */
        public void add(MinedAnchor a) {
            for (int i = 0; i < a.negatives().length; i++) {
                negatives++;
                scoreSum += a.negativeScores()[i];
                if (isTruePositive(a.anchor(), a.negatives()[i])) {
                    falseNegatives++;
                }
            }
        }

        public long negatives() {
            return negatives;
        }

        public long falseNegatives() {
            return falseNegatives;
        }

        /** False negatives over negatives (NaN when nothing was mined). */
        public double falseNegativeRate() {
            return negatives == 0 ? Double.NaN : (double) falseNegatives / negatives;
        }

        /** Mean score of the mined negatives: how hard they are. */
        public double meanNegativeScore() {
            return negatives == 0 ? Double.NaN : scoreSum / negatives;
        }
    }

    /** A new counter. */
    public Counter counter() {
        return new Counter();
    }
}
