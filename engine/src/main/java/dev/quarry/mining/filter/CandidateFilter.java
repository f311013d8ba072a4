package dev.quarry.mining.filter;

import dev.quarry.mining.Shortfall;

/** One stage that drops candidates of an anchor; stages run in a fixed order ({@link FilterChain}). */
public interface CandidateFilter {
    /** The shortfall reported when this stage leaves fewer candidates than asked. */
    Shortfall reason();

    /**
     * Drops candidates in place.
     *
     * @param positiveScore the anchor's reference positive score (its lowest labelled positive)
     */
    void apply(Candidates candidates, float positiveScore);
}
