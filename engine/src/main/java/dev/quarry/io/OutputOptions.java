package dev.quarry.io;

import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
/**
 * How mined anchors are written: the output settings of a request's {@link MineOptions}, as the encoders
 * read them.
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
        MineSettings.NUM_NEGATIVES.require(numNegatives);
        MineSettings.checkOutput(format.cliName(), outputRanks, includePositives, softLabelTemperature);
    }

    /** The output settings of a request (a view: the values live in {@code options}). */
    public static OutputOptions of(MineOptions options) {
        return new OutputOptions(OutputFormat.parse(options.get(MineSettings.OUTPUT_FORMAT)),
                options.get(MineSettings.NUM_NEGATIVES), options.get(MineSettings.OUTPUT_SCORES),
                options.get(MineSettings.OUTPUT_RANKS), options.get(MineSettings.INCLUDE_POSITIVES),
                options.get(MineSettings.SOFT_LABELS));
    }
}
