package dev.quarry.mining.candidate;

import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import java.util.function.IntPredicate;

/**
 * What the filters and samplers know about the anchor whose candidates they narrow.
 *
 * @param anchor the anchor's ordinal (seeds random choices)
 * @param positives its labelled positives (corpus ordinals)
 * @param positiveScores their scores ({@code +Inf} when unknown, e.g. a run file that does not list them)
 * @param reference the margins' reference: {@link #reference(float[])}
 * @param corpus the corpus vectors, or null when mining without embeddings (run files)
 * @param kernels the kernels, for filters that compare vectors
 * @param nearDuplicates which candidates (corpus ordinals) are near-duplicates of a positive, when the source
 *                       judged them where their rows are (a shard of the corpus); null: the near-duplicate
 *                       filter reads the rows from {@code corpus}
 */
public record AnchorContext(int anchor, int[] positives, float[] positiveScores, float reference, VectorStore corpus,
                            VectorKernels kernels, IntPredicate nearDuplicates) {

    /** A context whose near-duplicates are judged from the corpus rows. */
    public AnchorContext(int anchor, int[] positives, float[] positiveScores, float reference, VectorStore corpus,
                         VectorKernels kernels) {
        this(anchor, positives, positiveScores, reference, corpus, kernels, null);
    }

    /**
     * The lowest of the positive scores, the reference the margins compare with; NaN without
     * positives or when any positive score is NaN (a broken positive vouches for nothing).
     */
    public static float reference(float[] positiveScores) {
        float min = Float.NaN;
        for (int i = 0; i < positiveScores.length; i++) {
            float s = positiveScores[i];
            if (Float.isNaN(s)) {
                return Float.NaN;
            }
            min = i == 0 || s < min ? s : min;
        }
        return min;
    }
}
