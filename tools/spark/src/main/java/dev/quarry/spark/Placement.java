package dev.quarry.spark;

import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import java.util.Locale;

/** Where the corpus lives during a Spark run. */
public enum Placement {
    /**
     * Every executor maps the whole corpus (and its index) from a path all of them can read; the anchors
     * are split between tasks, each running the engine's block miner on its share.
     */
    REPLICATED,
    /**
     * The corpus is split into shards, each with its own flat or IVF index; a task searches one shard for
     * one partition of anchors, and a reduce by anchor block merges the shards' candidates in the engine's
     * total order before the filters and the sampler run, as on one machine.
     */
    SHARDED;

    /** The name users type. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a name as users type it. */
    public static Placement parse(String name) {
        for (Placement p : values()) {
            if (p.cliName().equals(name.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new CommandSettingError(CommandSetting.PLACEMENT, name, "replicated or sharded");
    }
}
