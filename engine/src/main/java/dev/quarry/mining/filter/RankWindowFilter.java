package dev.quarry.mining.filter;

import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Candidates;
import dev.quarry.mining.candidate.Shortfall;

/** Keeps ranks in {@code [min, max)}: {@code --range-min} skips the hardest ranks, where unlabelled positives hide. */
public record RankWindowFilter(int min, int max) implements CandidateFilter {
    @Override
    public Shortfall reason() {
        return Shortfall.RANK_WINDOW;
    }

    @Override
    public void apply(Candidates candidates, AnchorContext anchor) {
        candidates.retain((id, score, rank) -> rank >= min && rank < max);
    }
}
