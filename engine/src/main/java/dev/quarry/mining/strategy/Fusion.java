package dev.quarry.mining.strategy;

import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import java.util.Locale;

/** How cross-model mining orders the candidates the models agree on. */
public enum Fusion {
    /** By the first (primary) model's score. */
    PRIMARY,
    /** By reciprocal-rank fusion, {@code sum over models of 1 / (60 + rank)}: no model's score scale dominates. */
    RRF;

    /** Parses {@code primary} or {@code rrf}. */
    public static Fusion parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "primary" -> PRIMARY;
            case "rrf" -> RRF;
            default -> throw new CommandSettingError(CommandSetting.FUSION, name, "primary or rrf");
        };
    }
}
