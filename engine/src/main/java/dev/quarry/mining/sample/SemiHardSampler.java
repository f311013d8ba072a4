package dev.quarry.mining.sample;

import dev.quarry.Seeds;
import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.mining.candidate.Candidates;

/**
 * Semi-hard negatives (FaceNet's idea): a uniform sample among the candidates scoring within
 * {@code margin} below the positive, {@code positive - margin <= score < positive}; hard enough to
 * teach, not so hard that they are likely positives. Without a known positive score it samples
 * uniformly among all candidates.
 */
public final class SemiHardSampler implements NegativeSampler {
    private final double margin;
    private final long seed;

    public SemiHardSampler(double margin, long seed) {
        this.margin = margin;
        this.seed = seed;
    }

    @Override
    public Shortfall sample(Candidates candidates, int n, AnchorContext anchor) {
        float positive = anchor.reference();
        if (Float.isFinite(positive)) {
            candidates.retain((id, score, rank) -> score < positive && score >= positive - margin);
        }
        Shortfall shortfall = candidates.size() < n ? Shortfall.SAMPLER : Shortfall.NONE;
        RandomSampler.uniform(candidates, n, Seeds.random(seed, anchor.anchor()));
        return shortfall;
    }
}
