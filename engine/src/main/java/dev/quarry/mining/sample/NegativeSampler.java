package dev.quarry.mining.sample;

import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.filter.Candidates;

/** Picks the negatives among the candidates that survived the filters, leaving them in rank order. */
public interface NegativeSampler {
    /** Reduces {@code candidates} to at most {@code n}; randomness, if any, comes from {@code (seed, anchor)}. */
    void sample(Candidates candidates, int n, int anchor);

    /** The sampler a configuration asks for. */
    static NegativeSampler of(MiningConfig config) {
        return switch (config.sampling()) {
            case TOP -> new TopSampler();
            case RANDOM -> new RandomSampler(config.seed());
        };
    }
}
