package dev.quarry.cli;

import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.SamplingStrategy;
import picocli.CommandLine.Option;

/** The mining and output options, shared by the commands that mine (sentence-transformers' names). */
final class MiningOptions {
    @Option(names = "--num-negatives", defaultValue = "3", description = "Negatives per anchor (default: ${DEFAULT-VALUE}).")
    int numNegatives;

    @Option(names = "--range-min", defaultValue = "0",
            description = "First rank considered; skips the hardest ranks (default: ${DEFAULT-VALUE}).")
    int rangeMin;

    @Option(names = "--range-max", defaultValue = "100",
            description = "Rank after the last one considered (default: ${DEFAULT-VALUE}).")
    int rangeMax;

    @Option(names = "--min-score", description = "Drop negatives scoring below this.")
    Double minScore;

    @Option(names = "--max-score", description = "Drop negatives scoring above this.")
    Double maxScore;

    @Option(names = "--absolute-margin", description = "Keep negatives with score <= positive - M.")
    Double absoluteMargin;

    @Option(names = "--relative-margin", defaultValue = "0.05", description = "Keep negatives with score <= "
            + "positive x (1 - M); 0 turns it off (default: ${DEFAULT-VALUE}, i.e. at most 95% of the positive).")
    double relativeMargin;

    @Option(names = "--sampling-strategy", defaultValue = "top",
            description = "top (hardest first) or random (seeded) (default: ${DEFAULT-VALUE}).")
    String samplingStrategy;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of random sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--output-format", defaultValue = "triplet", description = "triplet, n-tuple, labeled-pair, "
            + "labeled-list, flag or npy (default: ${DEFAULT-VALUE}).")
    String outputFormat;

    @Option(names = "--output-scores", description = "Add scores to every output line.")
    boolean outputScores;

    @Option(names = "--output-ranks", description = "Add the negatives' ranks to every output line.")
    boolean outputRanks;

    @Option(names = "--include-positives", description = "labeled-list: rank the positives among the negatives "
            + "by score (for reranking evaluation); they keep label 1.")
    boolean includePositives;

    /** The mining configuration; IllegalArgumentException names the offending option. */
    MiningConfig config() {
        return new MiningConfig(numNegatives, rangeMin, rangeMax, orNaN(minScore), orNaN(maxScore),
                orNaN(absoluteMargin), relativeMargin == 0 ? Double.NaN : relativeMargin,
                SamplingStrategy.parse(samplingStrategy), seed);
    }

    /** The output options; IllegalArgumentException names the offending option. */
    OutputOptions output() {
        return new OutputOptions(OutputFormat.parse(outputFormat), numNegatives, outputScores, outputRanks,
                includePositives);
    }

    private static double orNaN(Double value) {
        return value == null ? Double.NaN : value;
    }
}
