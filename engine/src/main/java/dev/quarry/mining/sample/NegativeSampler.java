package dev.quarry.mining.sample;

import dev.quarry.mining.AnchorContext;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.Shortfall;
import dev.quarry.mining.filter.Candidates;

/**
 * Picks the negatives among the candidates that survived the filters, leaving them in rank order.
 * Random choices come from {@code Seeds.random(seed, anchor)} only.
 */
public interface NegativeSampler {
    /**
     * Reduces {@code candidates} to at most {@code n}; returns {@link Shortfall#SAMPLER} when the
     * sampler's own window left fewer than {@code n}, {@link Shortfall#NONE} otherwise.
     */
    Shortfall sample(Candidates candidates, int n, AnchorContext anchor);

    /** The sampler a configuration asks for. */
    static NegativeSampler of(MiningConfig config) {
        return switch (config.sampling().strategy()) {
            case TOP -> new TopSampler();
            case RANDOM -> new RandomSampler(config.seed());
            case SEMI_HARD -> new SemiHardSampler(config.sampling().semiHardMargin(), config.seed());
            case SIMANS -> new SimansSampler(config.sampling().simansA(), config.sampling().simansB(), config.seed());
        };
    }
}
