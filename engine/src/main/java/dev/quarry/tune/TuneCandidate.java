package dev.quarry.tune;

import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.SamplingStrategy;

/**
 * One configuration {@code quarry tune} compares: a name, the {@code quarry mine} options that give it
 * (as the table shows them), and the mining configuration they parse to; or the
 * baseline every mined set must beat, training with in-batch negatives only ({@code config} null).
 *
 * @param name how the table names it
 * @param options the {@code quarry mine} options, as a user would type them (empty for the defaults)
 * @param config what to mine, or null for in-batch negatives only
 */
public record TuneCandidate(String name, String options, MiningConfig config) {

    /** The baseline: no mined negative, the other positives of the batch only. */
    public static TuneCandidate inBatchOnly() {
        return new TuneCandidate("in-batch only (no mined negatives)", "", null);
    }

    /** Whether this candidate mines negatives (all but the baseline). */
    public boolean mines() {
        return config != null;
    }

    /** Whether its mined set depends on the seed (random choices among the survivors). */
    public boolean seeded() {
        return config != null && config.sampling().strategy() != SamplingStrategy.TOP;
    }
}
