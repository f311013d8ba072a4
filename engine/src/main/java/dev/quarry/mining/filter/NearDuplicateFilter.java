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
 */
public record NearDuplicateFilter(double threshold) implements CandidateFilter {
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
        double[] positiveNorms = new double[positives.length];
        for (int p = 0; p < positives.length; p++) {
            positiveNorms[p] = Math.sqrt(kernels.squaredNorm(corpus.segment(), corpus.rowOffset(positives[p]), dim));
        }
        candidates.retain((id, score, rank) -> {
            long offset = corpus.rowOffset(id);
            double norm = Math.sqrt(kernels.squaredNorm(corpus.segment(), offset, dim));
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
