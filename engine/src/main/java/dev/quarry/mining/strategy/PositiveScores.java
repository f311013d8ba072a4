package dev.quarry.mining.strategy;

import dev.quarry.store.VectorStore;
import dev.quarry.vector.LaneDot;
import dev.quarry.vector.QueryBlock;

/** Scores of an anchor's positives against a corpus, with the block kernels' arithmetic. */
final class PositiveScores {
    private PositiveScores() {
    }

    /** Anchor {@code i} of {@code queries} against the rows {@code positives} of {@code corpus}. */
    static float[] of(QueryBlock queries, int i, int[] positives, VectorStore corpus, float[] buffer) {
        queries.copyTo(i, buffer);
        float[] scores = new float[positives.length];
        for (int p = 0; p < positives.length; p++) {
            scores[p] = LaneDot.dot(buffer, corpus.segment(), corpus.rowOffset(positives[p]), corpus.dim());
        }
        return scores;
    }
}
