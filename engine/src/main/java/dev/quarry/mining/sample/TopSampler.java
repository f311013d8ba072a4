package dev.quarry.mining.sample;

import dev.quarry.mining.filter.Candidates;

/** The hardest survivors: the first n in rank order. */
public final class TopSampler implements NegativeSampler {
    @Override
    public void sample(Candidates candidates, int n, int anchor) {
        candidates.truncate(n);
    }
}
