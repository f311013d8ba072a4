package dev.quarry.mining.filter;

import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Candidates;
import dev.quarry.mining.candidate.Shortfall;

/** One stage that drops candidates of an anchor; stages run in a fixed order ({@link FilterChain}). */
public interface CandidateFilter {
    /** The shortfall reported when this stage leaves fewer candidates than asked. */
    Shortfall reason();

    /** Drops candidates of {@code anchor} in place. */
    void apply(Candidates candidates, AnchorContext anchor);
}
