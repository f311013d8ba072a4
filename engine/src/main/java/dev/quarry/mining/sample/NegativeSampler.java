package dev.quarry.mining.sample;

import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.mining.candidate.Candidates;

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
}
