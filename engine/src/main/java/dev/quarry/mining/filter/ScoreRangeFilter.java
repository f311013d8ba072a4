package dev.quarry.mining.filter;

import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Candidates;
import dev.quarry.mining.candidate.Shortfall;

/** Keeps {@code min <= score <= max} ({@code --min-score}, {@code --max-score}); a NaN bound is off. */
public record ScoreRangeFilter(double min, double max) implements CandidateFilter {
    @Override
    public Shortfall reason() {
        return Shortfall.SCORE_RANGE;
    }

    @Override
    public void apply(Candidates candidates, AnchorContext anchor) {
        boolean hasMin = !Double.isNaN(min);
        boolean hasMax = !Double.isNaN(max);
        if (hasMin || hasMax) {
            candidates.retain((id, score, rank) -> (!hasMin || score >= min) && (!hasMax || score <= max));
        }
    }
}
