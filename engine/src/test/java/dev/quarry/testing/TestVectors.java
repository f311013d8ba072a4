package dev.quarry.testing;

import dev.quarry.vector.RowPanels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Random vectors and segments for tests; seeded, so a failure can be replayed. */
public final class TestVectors {
    private TestVectors() {
    }

    /**
     * {@code count} rows of {@code dim} whole numbers uniform in [-bound, bound]: their dot products are exact in
     * float whatever the order of the sums, so a test can compare scores with {@code assertEquals}.
     */
    public static float[][] integers(SplittableRandom random, int count, int dim, int bound) {
        float[][] rows = new float[count][dim];
        for (float[] row : rows) {
            for (int k = 0; k < dim; k++) {
                row[k] = random.nextInt(-bound, bound + 1);
            }
        }
        return rows;
    }

    /** The dot product of {@code a} and {@code b}, summed in order: the plainest oracle. */
    public static float dot(float[] a, float[] b) {
        float sum = 0;
        for (int k = 0; k < a.length; k++) {
            sum += a[k] * b[k];
        }
        return sum;
    }

    /** {@code n} floats uniform in [-1, 1). */
    public static float[] uniform(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** {@code count} rows of {@code dim} floats uniform in [-1, 1). */
    public static float[][] rows(SplittableRandom random, int count, int dim) {
        float[][] rows = new float[count][];
        for (int i = 0; i < count; i++) {
            rows[i] = uniform(random, dim);
        }
        return rows;
    }

    /** Copies of {@code rows}, each scaled to unit L2 norm. */
    public static float[][] normalized(float[][] rows) {
        float[][] out = new float[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            double sum = 0;
            for (float x : rows[r]) {
                sum += (double) x * x;
            }
            out[r] = new float[rows[r].length];
            for (int i = 0; i < rows[r].length; i++) {
                out[r][i] = (float) (rows[r][i] / Math.sqrt(sum));
            }
        }
        return out;
    }

    /**
     * A native segment holding the rows little-endian, row r at byte {@code lead + r * stride};
     * {@code lead} and a stride above {@code 4 * dim} exercise unaligned and strided layouts.
     */
    public static MemorySegment segment(Arena arena, float[][] rows, long lead, long stride) {
        int dim = rows.length == 0 ? 0 : rows[0].length;
        MemorySegment seg = arena.allocate(lead + Math.max(0, rows.length - 1) * stride + 4L * dim + 1, 1);
        for (int r = 0; r < rows.length; r++) {
            MemorySegment.copy(rows[r], 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED, lead + r * stride, dim);
        }
        return seg;
    }

    /**
     * A native segment holding the rows in the panel layout ({@link RowPanels}) from byte {@code lead},
     * the last panel padded with zero rows.
     */
    public static MemorySegment panelSegment(Arena arena, float[][] rows, long lead) {
        int dim = rows.length == 0 ? 0 : rows[0].length;
        MemorySegment seg = arena.allocate(lead + 4L * RowPanels.paddedRows(rows.length) * dim + 1, 1);
        for (int r = 0; r < rows.length; r++) {
            for (int i = 0; i < dim; i++) {
                seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED, lead + RowPanels.offset(r, i, dim), rows[r][i]);
            }
        }
        return seg;
    }

    /** {@code count} rows of {@code dim} signed one-byte codes, uniform over every byte value. */
    public static byte[][] codes(SplittableRandom random, int count, int dim) {
        byte[][] rows = new byte[count][dim];
        for (byte[] row : rows) {
            for (int i = 0; i < dim; i++) {
                row[i] = (byte) random.nextInt(256);
            }
        }
        return rows;
    }

    /**
     * A native segment holding one-byte codes in the panel layout ({@link RowPanels#index}) from byte
     * {@code lead}, the last panel padded with zero codes.
     */
    public static MemorySegment codePanelSegment(Arena arena, byte[][] rows, long lead) {
        int dim = rows.length == 0 ? 0 : rows[0].length;
        MemorySegment seg = arena.allocate(lead + RowPanels.paddedRows(rows.length) * dim + 1, 1);
        for (int r = 0; r < rows.length; r++) {
            for (int i = 0; i < dim; i++) {
                seg.set(ValueLayout.JAVA_BYTE, lead + RowPanels.index(r, i, dim), rows[r][i]);
            }
        }
        return seg;
    }

    /** The codes as floats (each byte's value), for the double-precision reference. */
    public static float[] asFloats(byte[] codes) {
        float[] out = new float[codes.length];
        for (int i = 0; i < codes.length; i++) {
            out[i] = codes[i];
        }
        return out;
    }

    /** The exact inner product, summed in double: the reference both kernels are measured against. */
    public static double exactDot(float[] a, float[] b, int dim) {
        double sum = 0;
        for (int i = 0; i < dim; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }

    /**
     * The rounding error a float sum of {@code dim} products may carry in any summation order:
     * {@code dim * 2^-23 * sum |a_i b_i|}. The tolerance grows with the dimension, as it must.
     */
    public static double tolerance(float[] a, float[] b, int dim) {
        double abs = 0;
        for (int i = 0; i < dim; i++) {
            abs += Math.abs((double) a[i] * b[i]);
        }
        return (dim + 2) * 0x1p-23 * abs + Float.MIN_NORMAL;
    }
}
