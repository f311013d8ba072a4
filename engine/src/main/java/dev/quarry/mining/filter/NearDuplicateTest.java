package dev.quarry.mining.filter;

import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import java.lang.foreign.MemorySegment;

/**
 * The near-duplicate test for one anchor: is a candidate row's cosine to any of the anchor's positives at
 * least the threshold? {@link NearDuplicateFilter} runs it on corpus rows; a search over a shard of the
 * corpus runs it on the shard's rows (the same rows, so the same bits), where the candidate lives, and
 * passes only the verdicts on. On a store flagged unit-norm the cosine is the dot product. Not
 * thread-safe (one per anchor and thread).
 */
public final class NearDuplicateTest {
    private final double threshold;
    private final VectorKernels kernels;
    private final MemorySegment positiveRows;
    private final long[] positiveOffsets;
    private final double[] positiveNorms;
    private final int dim;
    private final boolean unit;

    /**
     * @param threshold the cosine at which a candidate counts as a copy of a positive
     * @param corpus the store holding the positives (its unit-norm flag holds for the candidates' rows too)
     * @param positives the anchor's positives, rows of {@code corpus}
     */
    public NearDuplicateTest(double threshold, VectorStore corpus, int[] positives, VectorKernels kernels) {
        this.threshold = threshold;
        this.kernels = kernels;
        this.positiveRows = corpus.segment();
        this.dim = corpus.dim();
        this.unit = corpus.normalized();
        this.positiveOffsets = new long[positives.length];
        this.positiveNorms = new double[positives.length];
        for (int p = 0; p < positives.length; p++) {
            positiveOffsets[p] = corpus.rowOffset(positives[p]);
            positiveNorms[p] = unit ? 1 : Math.sqrt(kernels.squaredNorm(positiveRows, positiveOffsets[p], dim));
        }
    }

    /** Whether the candidate row at byte {@code offset} of {@code rows} is a near-duplicate of a positive. */
    public boolean nearDuplicate(MemorySegment rows, long offset) {
        double norm = unit ? 1 : Math.sqrt(kernels.squaredNorm(rows, offset, dim));
        for (int p = 0; p < positiveOffsets.length; p++) {
            double dot = kernels.dot(rows, offset, positiveRows, positiveOffsets[p], dim);
            if (dot >= threshold * norm * positiveNorms[p]) {
                return true;
            }
        }
        return false;
    }
}
