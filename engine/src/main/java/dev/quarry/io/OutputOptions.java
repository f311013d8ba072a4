package dev.quarry.io;

import dev.quarry.QuarryUsageException;
/**
 * How mined anchors are written.
 *
 * @param format the shape
 * @param numNegatives negatives asked per anchor (n-tuple width, npy columns)
 * @param outputScores add scores (JSONL) to every line
 * @param outputRanks add the negatives' ranks (JSONL)
 * @param includePositives labeled-list only: order positives among the negatives by score, for
 *                         reranking evaluation (a positive keeps label 1: it never becomes a negative)
 * @param softLabelTemperature add a soft-label weight per negative with this temperature (NaN: off);
 *                             see {@link SoftLabels}
 */
public record OutputOptions(OutputFormat format, int numNegatives, boolean outputScores, boolean outputRanks,
                            boolean includePositives, double softLabelTemperature) {
    /** Options without soft labels. */
    public OutputOptions(OutputFormat format, int numNegatives, boolean outputScores, boolean outputRanks,
                         boolean includePositives) {
        this(format, numNegatives, outputScores, outputRanks, includePositives, Double.NaN);
    }

    /** Whether soft-label weights are written. */
    public boolean softLabels() {
        return !Double.isNaN(softLabelTemperature);
    }

    public OutputOptions {
        if (!Double.isNaN(softLabelTemperature) && !(softLabelTemperature > 0 && softLabelTemperature <= 100)) {
            throw new QuarryUsageException("softLabelTemperature", softLabelTemperature, "a temperature 0 < T <= 100");
        }
        if (!Double.isNaN(softLabelTemperature) && format == OutputFormat.NPY) {
            throw new QuarryUsageException("softLabelTemperature", softLabelTemperature, "off with the npy format"
                    + " (soft labels are for JSONL formats; npy writes ids and scores)");
        }
        if (includePositives && format != OutputFormat.LABELED_LIST) {
            throw new QuarryUsageException("includePositives", true, "format labeled-list (where positives are"
                    + " ranked among the negatives), not " + format.cliName());
        }
        if (format == OutputFormat.NPY && outputRanks) {
            throw new QuarryUsageException("outputRanks", true, "a JSONL format (npy writes ids and scores)");
        }
    }
}
