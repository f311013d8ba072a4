package dev.quarry.mining.strategy;

import dev.quarry.store.VectorStore;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import dev.quarry.vector.LaneDot;
import dev.quarry.vector.QueryBlock;

/** Scores of an anchor's positives against a corpus, with the block kernels' arithmetic. */
final class PositiveScores {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

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

    /**
     * Every anchor of {@code queries} against its rows {@code positives[i]} of {@code corpus}: the same
     * scores as {@link #of(QueryBlock, int, int[], VectorStore, float[])}, four (anchor, positive) pairs at a
     * time as four independent chains. One chain waits on its previous multiply-add at every component (and a
     * positive is a random row of the corpus, fetched from memory); four side by side overlap both.
     */
    static float[][] of(QueryBlock queries, int[][] positives, VectorStore corpus) {
        int dim = corpus.dim();
        float[] q = queries.rowMajor();
        MemorySegment rows = corpus.segment();
        float[][] scores = new float[positives.length][];
        int pairs = 0;
        for (int i = 0; i < positives.length; i++) {
            scores[i] = new float[positives[i].length];
            pairs += positives[i].length;
        }
        int[] anchorOf = new int[pairs];
        int[] slotOf = new int[pairs];
        for (int i = 0, j = 0; i < positives.length; i++) {
            for (int p = 0; p < positives[i].length; p++, j++) {
                anchorOf[j] = i;
                slotOf[j] = p;
            }
        }
        int j = 0;
        for (; j + 4 <= pairs; j += 4) {
            int a0 = anchorOf[j] * dim;
            int a1 = anchorOf[j + 1] * dim;
            int a2 = anchorOf[j + 2] * dim;
            int a3 = anchorOf[j + 3] * dim;
            long r0 = corpus.rowOffset(positives[anchorOf[j]][slotOf[j]]);
            long r1 = corpus.rowOffset(positives[anchorOf[j + 1]][slotOf[j + 1]]);
            long r2 = corpus.rowOffset(positives[anchorOf[j + 2]][slotOf[j + 2]]);
            long r3 = corpus.rowOffset(positives[anchorOf[j + 3]][slotOf[j + 3]]);
            float s0 = 0f;
            float s1 = 0f;
            float s2 = 0f;
            float s3 = 0f;
            for (int k = 0; k < dim; k++) { // each chain LaneDot's: row value times query value, in component order
                long at = 4L * k;
                s0 = Math.fma(rows.get(FLOAT, r0 + at), q[a0 + k], s0);
                s1 = Math.fma(rows.get(FLOAT, r1 + at), q[a1 + k], s1);
                s2 = Math.fma(rows.get(FLOAT, r2 + at), q[a2 + k], s2);
                s3 = Math.fma(rows.get(FLOAT, r3 + at), q[a3 + k], s3);
            }
            scores[anchorOf[j]][slotOf[j]] = s0;
            scores[anchorOf[j + 1]][slotOf[j + 1]] = s1;
            scores[anchorOf[j + 2]][slotOf[j + 2]] = s2;
            scores[anchorOf[j + 3]][slotOf[j + 3]] = s3;
        }
        for (; j < pairs; j++) {
            int a = anchorOf[j] * dim;
            long r = corpus.rowOffset(positives[anchorOf[j]][slotOf[j]]);
            float sum = 0f;
            for (int k = 0; k < dim; k++) {
                sum = Math.fma(rows.get(FLOAT, r + 4L * k), q[a + k], sum);
            }
            scores[anchorOf[j]][slotOf[j]] = sum;
        }
        return scores;
    }
}
