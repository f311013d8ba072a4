package dev.quarry.eval.audit;

import dev.quarry.io.OutputFormat;
import dev.quarry.mining.ScoreStats;
import java.util.List;
import java.util.Locale;

/**
 * What an audit of a mined set found.
 *
 * @param file the audited file
 * @param format its format
 * @param anchors anchors in the set
 * @param negatives negatives in the set
 * @param perAnchor histogram of negatives per anchor (bin i = i negatives, the last bin also holds more)
 * @param repeatedNegatives negatives listed twice for the same anchor
 * @param negativesEqualToPositive negatives that are also a positive of their anchor
 * @param atOrAbovePositive negatives scoring at or above their anchor's positive (scores known)
 * @param anchorsAtOrAbovePositive anchors with at least one such negative
 * @param knownPositiveOverlap negatives that are known positives of their anchor (-1 when not checked)
 * @param positiveScores statistics of the positives' scores
 * @param negativeScores statistics of the negatives' scores
 * @param positiveHistogram positives' scores, binned like the negatives'
 * @param negativeHistogram negatives' scores
 * @param rankHistogram negatives' ranks (null when no rank is known)
 * @param positiveRankHistogram positives' ranks, binned like the negatives' (null unless computed from embeddings)
 * @param negativeRanks statistics of the negatives' ranks
 * @param positiveRanks statistics of the positives' ranks: rows other than positives scoring above them
 * @param flagged anchors whose positive scores far below their negatives: likely wrong labels
 * @param noiseMargin the flag's margin below the median negative score
 * @param noiseCheck precision and recall of the flag against planted label noise, or null without a truth file
 * @param scoresKnown whether scores were in the file or computed from embeddings
 */
public record AuditReport(String file, OutputFormat format, long anchors, long negatives, Histogram perAnchor,
                          long repeatedNegatives, long negativesEqualToPositive, long atOrAbovePositive,
                          long anchorsAtOrAbovePositive, long knownPositiveOverlap, ScoreStats positiveScores,
                          ScoreStats negativeScores, Histogram positiveHistogram, Histogram negativeHistogram,
                          Histogram rankHistogram, Histogram positiveRankHistogram, ScoreStats negativeRanks,
                          ScoreStats positiveRanks, List<String> flagged, double noiseMargin, NoiseCheck noiseCheck,
                          boolean scoresKnown) {

    /**
     * The flag measured against planted label noise.
     *
     * @param planted wrongly labelled anchors in the audited set with at least one negative (the flag compares
     *     the positive with the negatives, so only these can be flagged)
     * @param plantedWithoutNegatives wrongly labelled anchors listed without negatives (e.g. every candidate was
     *     dropped by a margin relative to the wrong positive's low score)
     * @param flagged anchors flagged
     * @param both flagged and planted
     */
    public record NoiseCheck(long planted, long plantedWithoutNegatives, long flagged, long both) {
        /** Share of the flagged that are planted noise. */
        public double precision() {
            return flagged == 0 ? Double.NaN : (double) both / flagged;
        }

        /** Share of the planted noise that is flagged. */
        public double recall() {
            return planted == 0 ? Double.NaN : (double) both / planted;
        }

        /** One line: precision, recall and the counts ("n/a" when a ratio has nothing to divide). */
        public String describe() {
            return "precision " + ratio(precision()) + ", recall " + ratio(recall()) + " (" + planted + " planted, "
                    + flagged + " flagged, " + both + " both)" + (plantedWithoutNegatives == 0 ? ""
                    : "; " + plantedWithoutNegatives + " more planted anchors have no negatives to compare with");
        }

        private static String ratio(double value) {
            return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%.3f", value);
        }
    }
}
