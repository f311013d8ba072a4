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
        boolean hasAbsolute = !Double.isNaN(absolute);
        boolean hasRelative = !Double.isNaN(relative);
        if (!hasAbsolute && !hasRelative) {
            return;
        }
        float positiveScore = anchor.reference();
        double absoluteCap = positiveScore - (hasAbsolute ? absolute : 0);
        double relativeCap = positiveScore * (1 - (hasRelative ? relative : 0));
        candidates.retain((id, score, rank) -> (!hasAbsolute || score <= absoluteCap)
                && (!hasRelative || score <= relativeCap));
    }
}
