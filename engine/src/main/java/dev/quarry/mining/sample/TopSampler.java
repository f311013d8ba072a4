package dev.quarry.mining.sample;

import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.mining.candidate.Candidates;

/** The hardest survivors: the first n in rank order. */
public final class TopSampler implements NegativeSampler {
    @Override
    public Shortfall sample(Candidates candidates, int n, AnchorContext anchor) {
        candidates.truncate(n);
        return Shortfall.NONE;
    }
}
