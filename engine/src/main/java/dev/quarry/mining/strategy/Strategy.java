package dev.quarry.mining.strategy;

import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import java.util.Locale;

/** Where mining takes candidates from. */
public enum Strategy {
    /** The anchors' nearest corpus rows in an index (flat or IVF). */
    INDEX,
    /** The positives of the other anchors in the anchor's training batch. */
    IN_BATCH,
    /** A model's ranked predictions (a TREC or JSONL run file); no embeddings needed. */
    RUN_FILE,
    /** Several embeddings of the corpus; candidates the models agree on. */
    CROSS_MODEL;

    /** Parses {@code index}, {@code in-batch}, {@code run-file} or {@code cross-model}. */
    public static Strategy parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "index" -> INDEX;
            case "in-batch" -> IN_BATCH;
            case "run-file" -> RUN_FILE;
            case "cross-model" -> CROSS_MODEL;
            default -> throw new CommandSettingError(CommandSetting.STRATEGY,
                    name, "index, in-batch, run-file or cross-model");
        };
    }

    /** The name users type. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
