package dev.quarry.mining.filter;

import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Candidates;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;

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
        VectorStore corpus = anchor.corpus();
        VectorKernels kernels = anchor.kernels();
        int dim = corpus.dim();
        int[] positives = anchor.positives();
        boolean unit = corpus.normalized();
        double[] positiveNorms = new double[positives.length];
        for (int p = 0; p < positives.length; p++) {
            positiveNorms[p] = unit ? 1
                    : Math.sqrt(kernels.squaredNorm(corpus.segment(), corpus.rowOffset(positives[p]), dim));
        }
        candidates.retainFirst(stopAfter, (id, score, rank) -> {
            long offset = corpus.rowOffset(id);
            double norm = unit ? 1 : Math.sqrt(kernels.squaredNorm(corpus.segment(), offset, dim));
            for (int p = 0; p < positives.length; p++) {
                double dot = kernels.dot(corpus.segment(), offset, corpus.segment(), corpus.rowOffset(positives[p]),
                        dim);
                if (dot >= threshold * norm * positiveNorms[p]) {
                    return false;
                }
            }
            return true;
        });
    }
}
