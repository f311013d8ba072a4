package dev.quarry.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The inner product as every lane of the block kernels computes it: one fused multiply-add per
 * component, in component order, from zero. A score computed here (a positive's, a rescored
 * negative's) has the same bits as the same pair's score from a search, so a near-duplicate of
 * the positive compares with it exactly under the margins. Stateless and thread-safe.
 */
public final class LaneDot {
    private LaneDot() {
    }

    /** {@code query . row}, the row being {@code dim} floats at byte {@code offset} of {@code rows}. */
    public static float dot(float[] query, MemorySegment rows, long offset, int dim) {
        float sum = 0f;
        for (int k = 0; k < dim; k++) {
            sum = Math.fma(rows.get(ValueLayout.JAVA_FLOAT_UNALIGNED, offset + 4L * k), query[k], sum);
        }
        return sum;
    }
}
