package dev.quarry.mining.filter;

import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Candidates;
import dev.quarry.mining.candidate.Shortfall;
import java.util.List;

/**
 * The filters of a mining run in their fixed order (rank window, score window, margins, near-duplicates:
 * the one that compares vectors runs last, on the fewest candidates), reporting
 * the first stage after which fewer candidates than asked were left.
 */
public final class FilterChain {
    private final List<CandidateFilter> filters;
    private final int wanted;

    /** A chain of these filters for {@code wanted} negatives. */
    public FilterChain(List<CandidateFilter> filters, int wanted) {
        this.filters = List.copyOf(filters);
        this.wanted = wanted;
    }

    /** Runs every filter; returns why fewer than {@code wanted} are left, or {@link Shortfall#NONE}. */
    public Shortfall apply(Candidates candidates, AnchorContext anchor) {
        Shortfall shortfall = Shortfall.NONE;
        for (CandidateFilter filter : filters) {
            filter.apply(candidates, anchor);
            if (shortfall == Shortfall.NONE && candidates.size() < wanted) {
                shortfall = filter.reason();
            }
        }
        return shortfall;
    }
}
