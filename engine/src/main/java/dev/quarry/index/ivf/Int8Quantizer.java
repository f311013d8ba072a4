package dev.quarry.index.ivf;

import dev.quarry.QuarryDataException;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Per-dimension scalar quantization to one signed byte, with each dimension's range the minimum and
 * maximum over every row of the store (FAISS's SQ8 with min-max ranges): component i is stored as the
 * code c nearest to {@code (x - low[i]) / step[i] - 128}, {@code step[i] = (max[i] - low[i]) / 255}, and
 * stands for {@code low[i] + step[i] x (c + 128)}. No component is clipped, so the error of a component
 * is at most half a step.
 *
 * <p>A query q is scored against codes without decoding them: {@code q . decoded = base(q) + sum of
 * (q[i] x step[i]) x c[i]}, with {@code base(q) = sum of q[i] x (low[i] + 128 step[i])}, so the kernel
 * multiplies widened codes by a scaled query ({@link #prepare}). Immutable and thread-safe.
 */
final class Int8Quantizer {
    private final float[] low;
    private final float[] step;

    private Int8Quantizer(float[] low, float[] step) {
        this.low = low;
        this.step = step;
    }

    /** The ranges of every row of {@code store}: one pass over its rows. */
    static Int8Quantizer train(VectorStore store) {
        int dim = store.dim();
        float[] min = new float[dim];
        float[] max = new float[dim];
        java.util.Arrays.fill(min, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        float[] row = new float[dim];
        for (long r = 0; r < store.count(); r++) {
            store.copyRow(r, row);
            for (int i = 0; i < dim; i++) {
                min[i] = Math.min(min[i], row[i]);
                max[i] = Math.max(max[i], row[i]);
            }
        }
        float[] step = new float[dim];
        for (int i = 0; i < dim; i++) {
            if (store.count() == 0) {
                min[i] = 0f;
                max[i] = 0f;
            }
            step[i] = (max[i] - min[i]) / 255f;
        }
        return new Int8Quantizer(min, step);
    }

    /** The quantizer stored at byte {@code at} of an index file ({@code dim} lows, then {@code dim} steps). */
    static Int8Quantizer read(Path file, MemorySegment data, long at, int dim) {
        float[] low = new float[dim];
        float[] step = new float[dim];
        MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED, at, low, 0, dim);
        MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED, at + 4L * dim, step, 0, dim);
        for (int i = 0; i < dim; i++) {
            if (!Float.isFinite(low[i]) || !Float.isFinite(step[i]) || step[i] < 0
                    || !Float.isFinite(low[i] + 255f * step[i])) {
                throw new QuarryDataException(file, "quantizer[" + i + "]", "low=" + low[i] + " step=" + step[i],
                        "a finite range with step >= 0");
            }
        }
        return new Int8Quantizer(low, step);
    }

    /** Writes the lows, then the steps (little-endian floats) into {@code out}. */
    void write(ByteBuffer out) {
        for (float x : low) {
            out.putFloat(x);
        }
        for (float x : step) {
            out.putFloat(x);
        }
    }

    int dim() {
        return low.length;
    }

    /** The code of value {@code x} in dimension {@code i}. */
    byte code(int i, float x) {
        if (step[i] == 0f) {
            return Byte.MIN_VALUE; // every row has low[i] here
        }
        long c = Math.round((x - low[i]) / step[i]) - 128;
        return (byte) Math.max(Byte.MIN_VALUE, Math.min(Byte.MAX_VALUE, c));
    }

    /** The value code {@code c} of dimension {@code i} stands for. */
    float decode(int i, byte c) {
        return low[i] + step[i] * (c + 128);
    }

    /**
     * A block of queries as the code kernel takes them.
     *
     * @param scaled query q's components times the steps: a code row's approximate score is
     *               {@code bases[q] + sum of scaled[i] x code[i]}
     * @param bases each query's {@code sum of q[i] x (low[i] + 128 step[i])}
     * @param spreads each query's standard deviation of the approximate score's error, if each
     *                component's rounding error is uniform over a step: {@code sqrt(sum of
     *                (q[i] step[i])^2 / 12)}
     */
    record Scaled(QueryBlock scaled, float[] bases, float[] spreads) {
    }

    /** The block {@code queries} scaled for the code kernel. */
    Scaled prepare(QueryBlock queries) {
        int n = queries.count();
        int dim = low.length;
        QueryBlock scaled = new QueryBlock(Math.max(1, n), dim);
        float[] bases = new float[n];
        float[] spreads = new float[n];
        float[] q = queries.rowMajor();
        float[] row = new float[dim];
        for (int j = 0; j < n; j++) {
            double base = 0;
            double squares = 0;
            for (int i = 0; i < dim; i++) {
                float x = q[j * dim + i];
                row[i] = x * step[i];
                base += (double) x * (low[i] + 128.0 * step[i]);
                squares += (double) row[i] * row[i];
            }
            scaled.add(row);
            bases[j] = (float) base;
            spreads[j] = (float) Math.sqrt(squares / 12);
        }
        return new Scaled(scaled, bases, spreads);
    }
}
