package dev.quarry.tune;

import dev.quarry.eval.Evaluator;
import dev.quarry.vector.VectorKernels;

/**
 * A linear map of query embeddings, {@code q -> W q / |W q|} with {@code W} a {@code d x d} matrix started
 * at the identity: the small model {@code quarry tune} trains on each mined set in place of the encoder
 * (a proxy for fine-tuning it: the corpus side stays fixed).
 *
 * <p>{@code W} is kept by columns and applied as {@code sum_c q[c] W[:, c]} with the engine's {@code axpy}
 * kernel: every output component is one chain of fused multiply-adds in column order, so the result has the
 * same bits whatever the vector width, the thread or the compilation tier (a lane reduction would not:
 * the Vector API may sum lanes in another order once compiled). Mutable while training; not thread-safe.
 */
public final class LinearAdapter implements Evaluator.QueryTransform {
    private final float[][] columns;
    private final VectorKernels kernels;

    private LinearAdapter(float[][] columns, VectorKernels kernels) {
        this.columns = columns;
        this.kernels = kernels;
    }

    /** The identity map on {@code dim} dimensions (a query passes unchanged, normalized). */
    public static LinearAdapter identity(int dim, VectorKernels kernels) {
        float[][] w = new float[dim][dim];
        for (int i = 0; i < dim; i++) {
            w[i][i] = 1f;
        }
        return new LinearAdapter(w, kernels);
    }

    /** Dimension. */
    public int dim() {
        return columns.length;
    }

    /** Column {@code c} of {@code W}, live (the trainer updates it in place). */
    float[] column(int c) {
        return columns[c];
    }

    /** {@code out = W q}, not normalized; returns its norm. */
    float map(float[] q, float[] out) {
        int d = columns.length;
        java.util.Arrays.fill(out, 0, d, 0f);
        for (int c = 0; c < d; c++) {
            if (q[c] != 0f) {
                kernels.axpy(q[c], columns[c], 0, out, 0, d);
            }
        }
        double sq = 0;
        for (int r = 0; r < d; r++) {
            sq += (double) out[r] * out[r];
        }
        return (float) Math.sqrt(sq);
    }

    /** {@code out = W q / |W q|} (the adapted query: a cosine model's query embedding). */
    @Override
    public void apply(float[] in, float[] out) {
        float norm = map(in, out);
        if (norm > 0) {
            float inverse = 1f / norm;
            for (int r = 0; r < columns.length; r++) {
                out[r] *= inverse;
            }
        }
    }

    /** A copy of {@code W}, row-major ({@code W[r][c]} at {@code r * d + c}; for tests and reports). */
    public float[] weights() {
        int d = columns.length;
        float[] flat = new float[d * d];
        for (int c = 0; c < d; c++) {
            for (int r = 0; r < d; r++) {
                flat[r * d + c] = columns[c][r];
            }
        }
        return flat;
    }
}
