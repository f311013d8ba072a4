package dev.quarry.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Plain-Java kernels: one multiply-add per element, summed left to right in float. Always available,
 * obviously correct, and the oracle every SIMD kernel is tested against. Also the fallback when the
 * Vector API is missing, and the scalar baseline of the benchmarks.
 */
public final class ScalarVectorKernels implements VectorKernels {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public String description() {
        return "scalar";
    }

    @Override
    public String toString() {
        return description();
    }

    @Override
    public float dot(float[] a, float[] b, int dim) {
        float sum = 0f;
        for (int i = 0; i < dim; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    @Override
    public float dot(float[] query, MemorySegment rows, long offset, int dim) {
        float sum = 0f;
        for (int i = 0; i < dim; i++) {
            sum += query[i] * rows.get(FLOAT, offset + 4L * i);
        }
        return sum;
    }

    @Override
    public float dot(MemorySegment a, long aOffset, MemorySegment b, long bOffset, int dim) {
        float sum = 0f;
        for (int i = 0; i < dim; i++) {
            sum += a.get(FLOAT, aOffset + 4L * i) * b.get(FLOAT, bOffset + 4L * i);
        }
        return sum;
    }

    @Override
    public void dotRows(float[] query, int dim, MemorySegment rows, long firstRowOffset, long rowStride,
                        int rowCount, float[] out, int outOffset) {
        for (int r = 0; r < rowCount; r++) {
            out[outOffset + r] = dot(query, rows, firstRowOffset + r * rowStride, dim);
        }
    }

    @Override
    public void scoreBlock(QueryBlock queries, MemorySegment rows, long firstRowOffset, long rowStride,
                           int rowCount, float[] scores) {
        int dim = queries.dim();
        float[] q = queries.rowMajor();
        for (int qi = 0; qi < queries.count(); qi++) {
            int base = qi * dim;
            for (int r = 0; r < rowCount; r++) {
                long offset = firstRowOffset + r * rowStride;
                float sum = 0f;
                for (int i = 0; i < dim; i++) {
                    sum += q[base + i] * rows.get(FLOAT, offset + 4L * i);
                }
                scores[r * queries.count() + qi] = sum;
            }
        }
    }

    @Override
    public void scoreBlockTopK(QueryBlock queries, MemorySegment rows, long firstRowOffset, long rowStride,
                               int rowCount, float[] thresholds, CandidateSink sink) {
        topK(queries, rowCount, (r, i) -> rows.get(FLOAT, firstRowOffset + r * rowStride + 4L * i), thresholds,
                sink);
    }

    @Override
    public void scorePanelsTopK(QueryBlock queries, MemorySegment panels, long offset, int rowCount,
                                float[] thresholds, CandidateSink sink) {
        int dim = queries.dim();
        topK(queries, rowCount, (r, i) -> panels.get(FLOAT, offset + RowPanels.offset(r, i, dim)), thresholds, sink);
    }

    @Override
    public void scorePanels(QueryBlock queries, MemorySegment panels, long offset, int rowCount, float[] scores,
                            int stride) {
        int dim = queries.dim();
        float[] q = queries.rowMajor();
        for (int qi = 0; qi < queries.count(); qi++) {
            for (int r = 0; r < rowCount; r++) {
                float sum = 0f;
                for (int i = 0; i < dim; i++) {
                    sum += q[qi * dim + i] * panels.get(FLOAT, offset + RowPanels.offset(r, i, dim));
                }
                scores[qi * stride + r] = sum;
            }
        }
    }

    @Override
    public void scoreCodePanelsTopK(QueryBlock queries, MemorySegment panels, long offset, int rowCount,
                                    float[] thresholds, CandidateSink sink) {
        int dim = queries.dim();
        float[] q = queries.rowMajor();
        for (int r = 0; r < rowCount; r++) {
            for (int qi = 0; qi < queries.count(); qi++) {
                int base = qi * dim;
                float sum = 0f;
                for (int i = 0; i < dim; i++) {
                    sum = Math.fma(q[base + i], panels.get(ValueLayout.JAVA_BYTE, offset + RowPanels.index(r, i, dim)),
                            sum);
                }
                if (sum >= thresholds[qi]) {
                    sink.offer(qi, r, sum);
                }
            }
        }
    }

    @Override
    public int indicesAtLeast(float[] values, int from, int n, float threshold, int[] rows) {
        int m = 0;
        for (int r = 0; r < n; r++) {
            if (values[from + r] >= threshold) {
                rows[m++] = r;
            }
        }
        return m;
    }

    @Override
    public int countAtLeast(int[] values, int n, int threshold) {
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (values[i] >= threshold) {
                count++;
            }
        }
        return count;
    }

    @Override
    public void laneDots(float[] query, int dim, MemorySegment rows, long[] offsets, int count, float[] out) {
        for (int j = 0; j < count; j++) {
            out[j] = LaneDot.dot(query, rows, offsets[j], dim);
        }
    }

    /** Component {@code i} of row {@code r}, wherever the layout keeps it. */
    @FunctionalInterface
    private interface Component {
        float of(int r, int i);
    }

    /** Every (query, row) score in component order, offered when it reaches the query's threshold. */
    private static void topK(QueryBlock queries, int rowCount, Component row, float[] thresholds, CandidateSink sink) {
        int dim = queries.dim();
        float[] q = queries.rowMajor();
        for (int r = 0; r < rowCount; r++) {
            for (int qi = 0; qi < queries.count(); qi++) {
                int base = qi * dim;
                float sum = 0f;
                for (int i = 0; i < dim; i++) {
                    sum += q[base + i] * row.of(r, i);
                }
                if (sum >= thresholds[qi]) {
                    sink.offer(qi, r, sum);
                }
            }
        }
    }

    @Override
    public void prepare(QueryBlock queries) {
        // The scalar kernels read the row-major queries: nothing to prepare.
    }

    @Override
    public float squaredNorm(float[] v, int offset, int dim) {
        float sum = 0f;
        for (int i = 0; i < dim; i++) {
            float x = v[offset + i];
            sum += x * x;
        }
        return sum;
    }

    @Override
    public float squaredNorm(MemorySegment v, long offset, int dim) {
        float sum = 0f;
        for (int i = 0; i < dim; i++) {
            float x = v.get(FLOAT, offset + 4L * i);
            sum += x * x;
        }
        return sum;
    }

    @Override
    public void scale(float[] v, int offset, int dim, float factor) {
        for (int i = 0; i < dim; i++) {
            v[offset + i] *= factor;
        }
    }

    @Override
    public void axpy(float a, float[] x, int xOffset, float[] y, int yOffset, int dim) {
        for (int i = 0; i < dim; i++) {
            y[yOffset + i] = Math.fma(a, x[xOffset + i], y[yOffset + i]);
        }
    }
}
