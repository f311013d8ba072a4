package dev.quarry.vector.internal;

import dev.quarry.vector.LaneDot;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One query against rows scattered in a segment, each score one FMA chain in component order from zero
 * (the bits of {@link LaneDot#dot} and of every block-kernel lane). A chain is serial by definition, so
 * the parallelism is across rows: eight chains advance together, enough to cover the FMA latency on two
 * pipes, each reading its row in place (a candidate's row is read once, from wherever it lies).
 */
final class LaneDots {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private LaneDots() {
    }

    static void dots(float[] query, int dim, MemorySegment rows, long[] offsets, int count, float[] out) {
        int j = 0;
        for (; j + 8 <= count; j += 8) {
            long o0 = offsets[j];
            long o1 = offsets[j + 1];
            long o2 = offsets[j + 2];
            long o3 = offsets[j + 3];
            long o4 = offsets[j + 4];
            long o5 = offsets[j + 5];
            long o6 = offsets[j + 6];
            long o7 = offsets[j + 7];
            float s0 = 0f;
            float s1 = 0f;
            float s2 = 0f;
            float s3 = 0f;
            float s4 = 0f;
            float s5 = 0f;
            float s6 = 0f;
            float s7 = 0f;
            for (int k = 0; k < dim; k++) {
                float x = query[k];
                long b = 4L * k;
                s0 = Math.fma(rows.get(FLOAT, o0 + b), x, s0);
                s1 = Math.fma(rows.get(FLOAT, o1 + b), x, s1);
                s2 = Math.fma(rows.get(FLOAT, o2 + b), x, s2);
                s3 = Math.fma(rows.get(FLOAT, o3 + b), x, s3);
                s4 = Math.fma(rows.get(FLOAT, o4 + b), x, s4);
                s5 = Math.fma(rows.get(FLOAT, o5 + b), x, s5);
                s6 = Math.fma(rows.get(FLOAT, o6 + b), x, s6);
                s7 = Math.fma(rows.get(FLOAT, o7 + b), x, s7);
            }
            out[j] = s0;
            out[j + 1] = s1;
            out[j + 2] = s2;
            out[j + 3] = s3;
            out[j + 4] = s4;
            out[j + 5] = s5;
            out[j + 6] = s6;
            out[j + 7] = s7;
        }
        for (; j < count; j++) {
            out[j] = LaneDot.dot(query, rows, offsets[j], dim);
        }
    }
}
