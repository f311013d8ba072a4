package dev.quarry.mining.filter;

import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Candidates;
import dev.quarry.mining.candidate.Shortfall;

/**
 * Drops every candidate of an anchor whose positive scores below a floor (the lowest positive when there
 * are several; NaN floor: off). A positive far from its anchor is more often a wrong label than a hard
 * example, and margins measured from a low positive admit easy negatives: such an anchor is better left
 * out than trained on. An unknown positive score ({@code +Inf}, a run file that does not score it) passes;
 * a NaN one is left to the margins.
 */
public record PositiveScoreFilter(double floor) implements CandidateFilter {
    @Override
    public Shortfall reason() {
        return Shortfall.POSITIVE_SCORE;
    }

    @Override
    public void apply(Candidates candidates, AnchorContext anchor) {
        if (!Double.isNaN(floor) && anchor.reference() < floor) {
            candidates.truncate(0);
        }
    }
}
