package dev.quarry.mining.filter;

import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Candidates;
import dev.quarry.mining.candidate.Shortfall;

/**
 * Keeps negatives clearly below the positive: {@code score <= positive - absolute} and
 * {@code score <= positive * (1 - relative)} (a NaN margin is off). A candidate scoring as high as the
 * positive is more likely an unlabelled positive than a negative. A NaN positive score drops everything:
 * there is nothing to trust the margin to; an unknown one ({@code +Inf}, a run file that does not score
 * the positive) constrains nothing.
 */
public record MarginFilter(double absolute, double relative) implements CandidateFilter {
    @Override
    public Shortfall reason() {
        return Shortfall.MARGIN;
    }

    @Override
    public void apply(Candidates candidates, AnchorContext anchor) {
        if (Double.isNaN(absolute) && Double.isNaN(relative)) {
            return;
        }
        double cap = cap(anchor.reference());
        candidates.retain((id, score, rank) -> score <= cap);
    }

    /**
     * The highest score this filter keeps for a positive scoring {@code positiveScore}: the lower of the two
     * caps; {@code +Inf} with both margins off, NaN (nothing kept) for a NaN positive score under a margin.
     */
    public double cap(float positiveScore) {
        double cap = Double.POSITIVE_INFINITY;
        if (!Double.isNaN(absolute)) {
            cap = positiveScore - absolute;
        }
        if (!Double.isNaN(relative)) {
            cap = Math.min(cap, positiveScore * (1 - relative));
        }
        return cap;
    }
}
