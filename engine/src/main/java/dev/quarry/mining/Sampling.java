package dev.quarry.mining;

import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import java.util.Locale;

/**
 * How negatives are picked among the candidates that survive the filters, with the strategies'
 * parameters.
 *
 * @param strategy which strategy
 * @param semiHardMargin semi-hard: candidates scoring in {@code [positive - m, positive)} are eligible
 * @param simansA SimANS: sharpness {@code a > 0} of {@code p ~ exp(-a (s - s_pos - b)^2)}
 * @param simansB SimANS: offset {@code b} of the preferred score from the positive's (usually negative)
 */
public record Sampling(SamplingStrategy strategy, double semiHardMargin, double simansA, double simansB) {
    /** SimANS defaults for cosine scores: a = 20, b = -0.1 (prefer negatives about 0.1 below the positive). */
    public static final double DEFAULT_SIMANS_A = MineSettings.SIMANS_A.defaultValue();
    public static final double DEFAULT_SIMANS_B = MineSettings.SIMANS_B.defaultValue();
    public static final double DEFAULT_SEMI_HARD_MARGIN = MineSettings.SEMI_HARD_MARGIN.defaultValue();

    public Sampling {
        if (strategy == null) {
            throw new OptionError(MineSettings.SAMPLING_STRATEGY, null, MineSettings.SAMPLING_STRATEGY.expected());
        }
        MineSettings.SEMI_HARD_MARGIN.require(semiHardMargin);
        MineSettings.SIMANS_A.require(simansA);
        MineSettings.SIMANS_B.require(simansB);
    }

    /** A strategy with default parameters. */
    public static Sampling of(SamplingStrategy strategy) {
        return new Sampling(strategy, DEFAULT_SEMI_HARD_MARGIN, DEFAULT_SIMANS_A, DEFAULT_SIMANS_B);
    }

    /** How the summary prints it. */
    public String describe() {
        return switch (strategy) {
            case TOP, RANDOM -> strategy.cliName();
            case SEMI_HARD -> String.format(Locale.ROOT, "semi-hard (margin %s)", semiHardMargin);
            case SIMANS -> String.format(Locale.ROOT, "simans (a=%s, b=%s)", simansA, simansB);
        };
    }
}
