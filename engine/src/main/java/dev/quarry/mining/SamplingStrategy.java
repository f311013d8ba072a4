package dev.quarry.mining;

import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import java.util.Locale;

/** How negatives are picked among the candidates that survive the filters. */
public enum SamplingStrategy {
    /** The hardest: the first candidates in rank order. */
    TOP,
    /** A seeded uniform sample of the survivors (seed mixed with the anchor ordinal), kept in rank order. */
    RANDOM,
    /** A seeded uniform sample of the survivors scoring within a margin below the positive. */
    SEMI_HARD,
    /** SimANS: survivors drawn without replacement with probability ~ exp(-a (s - s_pos - b)^2), seeded. */
    SIMANS;

    /** Parses {@code top}, {@code random}, {@code semi-hard} or {@code simans}. */
    public static SamplingStrategy parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "top" -> TOP;
            case "random" -> RANDOM;
            case "semi-hard" -> SEMI_HARD;
            case "simans" -> SIMANS;
            default -> throw new OptionError(MineSettings.SAMPLING_STRATEGY, name, MineSettings.SAMPLING_STRATEGY.expected());
        };
    }

    /** The name users type. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
