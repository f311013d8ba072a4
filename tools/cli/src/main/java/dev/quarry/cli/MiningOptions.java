package dev.quarry.cli;

import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.Sampling;
import dev.quarry.mining.SamplingStrategy;
import dev.quarry.mining.ShortfallPolicy;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The mining and output options, shared by the commands that mine (sentence-transformers' names). Public so a
 * tool module ({@code quarry spark-mine}) can mix it in.
 */
public final class MiningOptions {
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    /** Whether the user typed {@code option} (as opposed to its default). */
    private boolean matched(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    @Option(names = "--num-negatives", defaultValue = "3", description = "Negatives per anchor (default: ${DEFAULT-VALUE}).")
    int numNegatives;

    @Option(names = "--range-min", defaultValue = "10", description = "First rank considered: the hardest ranks,"
            + " where unlabelled positives hide, are skipped; 0 keeps them (default: ${DEFAULT-VALUE}).")
    int rangeMin;

    @Option(names = "--range-max", defaultValue = "100",
            description = "Rank after the last one considered (default: ${DEFAULT-VALUE}).")
    int rangeMax;

    @Option(names = "--min-score", converter = NumberOptions.FiniteOrOff.class,
            description = "Drop negatives scoring below this (default: off).")
    Double minScore;

    @Option(names = "--max-score", converter = NumberOptions.FiniteOrOff.class,
            description = "Drop negatives scoring above this (default: off).")
    Double maxScore;

    @Option(names = "--absolute-margin", converter = NumberOptions.FiniteOrOff.class,
            description = "Keep negatives with score <= positive - M (default: off).")
    Double absoluteMargin;

    @Option(names = "--relative-margin", defaultValue = "0.05", converter = NumberOptions.FiniteOrOff.class,
            description = "Keep negatives with score <= positive x (1 - M); off (or 0) turns it off"
                    + " (default: ${DEFAULT-VALUE}, i.e. at most 95 percent of the positive).")
    double relativeMargin;

    @Option(names = "--no-defences", description = "sentence-transformers' plain shape: ranks from 0, no relative "
            + "margin, no near-duplicate filter, short anchors kept (explicit --range-min/--relative-margin/"
            + "--near-duplicate/--leave-out-short still apply).")
    boolean noDefences;

    @Option(names = "--near-duplicate", defaultValue = "0.9", converter = NumberOptions.FiniteOrOff.class,
            description = "Drop candidates whose cosine to a positive is at least T (likely unlabelled positives);"
                    + " off turns it off (default: ${DEFAULT-VALUE}).")
    double nearDuplicate;

    @Option(names = "--sampling-strategy", defaultValue = "top", description = "top (hardest first), random, "
            + "semi-hard (within --semi-hard-margin below the positive) or simans; all seeded (default: ${DEFAULT-VALUE}).")
    String samplingStrategy;

    @Option(names = "--semi-hard-margin", defaultValue = "0.2", converter = NumberOptions.Finite.class,
            description = "semi-hard: eligible scores are [positive - M, positive) (default: ${DEFAULT-VALUE}).")
    double semiHardMargin;

    @Option(names = "--simans-a", defaultValue = "20", converter = NumberOptions.Finite.class,
            description = "simans: sharpness a of p ~ exp(-a (s - s_pos - b)^2) (default: ${DEFAULT-VALUE}).")
    double simansA;

    @Option(names = "--simans-b", defaultValue = "-0.1", converter = NumberOptions.Finite.class,
            description = "simans: preferred offset b from the positive's score (default: ${DEFAULT-VALUE}).")
    double simansB;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of random sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--widen-to", defaultValue = "off", converter = NumberOptions.RankOrOff.class,
            description = "An anchor the filters leave with fewer negatives than asked takes candidates from the next"
                    + " windows of ranks ([range-max, range-max + width), ...), under the same filters, up to this rank;"
                    + " off: it keeps what it got (default: ${DEFAULT-VALUE}).")
    int widenTo;

    @Option(names = "--leave-out-short", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Leave anchors that still have fewer negatives than asked out of the output, in every format"
                    + " (n-tuple always does); --no-leave-out-short writes them with what they got (default: on).")
    boolean leaveOutShort;

    @Option(names = "--output-format", defaultValue = "triplet", description = "triplet, n-tuple, labeled-pair, "
            + "labeled-list, flag or npy (default: ${DEFAULT-VALUE}).")
    String outputFormat;

    @Option(names = "--output-scores", description = "Add scores to every output line.")
    boolean outputScores;

    @Option(names = "--output-ranks", description = "Add the negatives' ranks to every output line.")
    boolean outputRanks;

    @Option(names = "--soft-labels", converter = NumberOptions.FiniteOrOff.class, description = "Add a weight per negative, 1 / (1 + exp(-(s_pos - s_neg) / T)),"
            + " with temperature T (e.g. 0.05): near 1 for clear negatives, 0.5 when as close as the positive.")
    Double softLabels;

    @Option(names = "--include-positives", description = "labeled-list: rank the positives among the negatives "
            + "by score (for reranking evaluation); they keep label 1.")
    boolean includePositives;

    /** The mining configuration; a QuarryUsageException names the offending field. */
    public MiningConfig config() {
        boolean given = spec != null;
        int min = noDefences && !(given && matched("--range-min")) ? 0 : rangeMin;
        double relative = noDefences && !(given && matched("--relative-margin")) ? 0 : relativeMargin;
        double nearDup = noDefences && !(given && matched("--near-duplicate")) ? Double.NaN : nearDuplicate;
        boolean leaveOut = leaveOutShort && !(noDefences && !(given && matched("--leave-out-short")));
        return new MiningConfig(numNegatives, min, rangeMax, orNaN(minScore), orNaN(maxScore),
                orNaN(absoluteMargin), relative == 0 ? Double.NaN : relative, nearDup,
                new Sampling(SamplingStrategy.parse(samplingStrategy), semiHardMargin, simansA, simansB), seed,
                new ShortfallPolicy(widenTo, leaveOut));
    }

    /** The output options; a QuarryUsageException names the offending field. */
    public OutputOptions output() {
        return output(numNegatives);
    }

    /** The output options for {@code negatives} per anchor (the number in force, from an options file too). */
    public OutputOptions output(int negatives) {
        return new OutputOptions(OutputFormat.parse(outputFormat), negatives, outputScores, outputRanks,
                includePositives, softLabels == null ? Double.NaN : softLabels);
    }

    private static double orNaN(Double value) {
        return value == null ? Double.NaN : value;
    }
}
