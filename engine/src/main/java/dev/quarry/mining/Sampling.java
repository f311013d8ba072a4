package dev.quarry.mining;

import dev.quarry.QuarryUsageException;
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
    public static final double DEFAULT_SIMANS_A = 20;
    public static final double DEFAULT_SIMANS_B = -0.1;
    public static final double DEFAULT_SEMI_HARD_MARGIN = 0.2;

    public Sampling {
        if (strategy == null) {
            throw new QuarryUsageException("samplingStrategy", null, "top, random, semi-hard or simans");
        }
        if (!(semiHardMargin > 0) || semiHardMargin > 2) {
            throw new QuarryUsageException("semiHardMargin", semiHardMargin, "0 < m <= 2");
        }
        if (!(simansA > 0) || simansA > 1e6) {
            throw new QuarryUsageException("simansA", simansA, "0 < a <= 1e6");
        }
        if (!(Math.abs(simansB) <= 2)) {
            throw new QuarryUsageException("simansB", simansB, "-2 <= b <= 2");
        }
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
