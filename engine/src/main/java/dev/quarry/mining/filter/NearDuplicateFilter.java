package dev.quarry.mining.filter;

import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Candidates;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.store.VectorStore;
import java.util.function.IntPredicate;

/**
 * Drops candidates whose cosine to any of the anchor's positives is at least {@code threshold}: a
 * near-copy of the positive (the same passage reformatted, a duplicate product) is an unlabelled
 * positive, whatever its rank. Compares vectors, so it runs last, on the few candidates left.
 * A NaN threshold is off.
 *
 * <p>Reading a candidate's row is a random read from the corpus, the filter's whole cost. So when
 * the sampler only takes the hardest survivors ({@code top}), the filter stops once
 * {@code stopAfter} candidates have passed: the rest would be dropped by the sampler anyway, and
 * the result is the same. On a store flagged unit-norm the cosine is the dot product, and no norm
 * is computed.
 *
 * @param threshold the cosine at which a candidate counts as a copy of a positive (NaN: off)
 * @param stopAfter survivors after which the rest are not tested (the sampler takes no more)
 */
public record NearDuplicateFilter(double threshold, int stopAfter) implements CandidateFilter {

    /** A filter whose every survivor counts (random, semi-hard or SimANS sampling draws among all). */
    public NearDuplicateFilter(double threshold) {
        this(threshold, Integer.MAX_VALUE);
    }

    @Override
    public Shortfall reason() {
        return Shortfall.NEAR_DUPLICATE;
    }

    @Override
    public void apply(Candidates candidates, AnchorContext anchor) {
        if (Double.isNaN(threshold) || candidates.size() == 0 || anchor.positives().length == 0) {
            return;
        }
        IntPredicate judged = anchor.nearDuplicates();
        if (judged != null) { // judged where the rows are (a shard): the same test, run there
            candidates.retainFirst(stopAfter, (id, score, rank) -> !judged.test(id));
            return;
        }
        VectorStore corpus = anchor.corpus();
        NearDuplicateTest test = new NearDuplicateTest(threshold, corpus, anchor.positives(), anchor.kernels());
        candidates.retainFirst(stopAfter, (id, score, rank) -> !test.nearDuplicate(corpus.segment(),
                corpus.rowOffset(id)));
    }
}
