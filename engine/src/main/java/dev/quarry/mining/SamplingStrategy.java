package dev.quarry.mining;

import java.util.Locale;

/** How negatives are picked among the candidates that survive the filters. */
public enum SamplingStrategy {
    /** The hardest: the first candidates in rank order. */
    TOP,
    /** A seeded uniform sample of the survivors (seed mixed with the anchor ordinal), kept in rank order. */
    RANDOM;

    /** Parses {@code top} or {@code random}. */
    public static SamplingStrategy parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "top" -> TOP;
            case "random" -> RANDOM;
            default -> throw new IllegalArgumentException("sampling-strategy=" + name + ", expected top or random");
        };
    }

    /** The name users type. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
