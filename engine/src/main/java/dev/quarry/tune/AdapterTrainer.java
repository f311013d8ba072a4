package dev.quarry.tune;

import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import java.util.Arrays;

/**
 * Trains a {@link LinearAdapter} on {@link TrainingExamples} with InfoNCE: for each example the logits
 * are the cosines of the adapted query with its positive, its mined negatives and the positives of the
 * other examples of its batch (those that are positives of its own anchor are masked), over the
 * temperature; the loss is the cross-entropy of the positive, averaged over the batch; Adam (betas 0.9
 * and 0.999, eps 1e-8, no weight decay, torch's update) steps once per batch. Batches follow
 * {@link BatchOrder}.
 *
 * <p>Single-threaded and deterministic: the result depends on the examples, the options and the seed, not
 * on the machine's threads (a tune run trains several sets side by side, one per thread). Memory is the
 * adapter, its gradient and Adam's two moments ({@code 4 d^2} floats) and one batch's rows.
 */
public final class AdapterTrainer {
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;

    private final VectorStore corpus;
    private final VectorStore queries;
    private final VectorKernels kernels;
    private final TrainingOptions options;
    private final int dim;

    /**
     * @param corpus the corpus rows the examples' positives and negatives name
     * @param queries the store of the examples' anchors
     */
    public AdapterTrainer(VectorStore corpus, VectorStore queries, VectorKernels kernels, TrainingOptions options) {
        if (corpus.dim() != queries.dim()) {
            throw new IllegalArgumentException("corpus dim " + corpus.dim() + " != queries dim " + queries.dim());
        }
        this.corpus = corpus;
        this.queries = queries;
        this.kernels = kernels;
        this.options = options;
        this.dim = corpus.dim();
    }

    /** What a training did. */
    public record Trained(LinearAdapter adapter, double lastEpochLoss, long steps) {
    }

    /** Trains an adapter from the identity on {@code examples}, batches ordered by {@code seed}. */
    public Trained train(TrainingExamples examples, long seed) {
        LinearAdapter adapter = LinearAdapter.identity(dim, kernels);
        if (examples.size() == 0) {
            return new Trained(adapter, Double.NaN, 0);
        }
        Batch batch = new Batch(Math.min(options.batchSize(), examples.size()), maxNegatives(examples));
        float[][] grad = new float[dim][dim];
        float[][] m = new float[dim][dim];
        float[][] v = new float[dim][dim];
        long step = 0;
        double lastLoss = Double.NaN;
        for (int epoch = 0; epoch < options.epochs(); epoch++) {
            int[] order = BatchOrder.of(examples.size(), seed, epoch);
            double lossSum = 0;
            int batches = 0;
            for (int from = 0; from < order.length; from += options.batchSize()) {
                int to = Math.min(order.length, from + options.batchSize());
                for (float[] row : grad) {
                    Arrays.fill(row, 0f);
                }
                lossSum += batch.gradient(adapter, examples, order, from, to, grad);
                batches++;
                adam(adapter, grad, m, v, ++step);
            }
            lastLoss = lossSum / batches;
        }
        return new Trained(adapter, lastLoss, step);
    }

    /**
     * The mean loss of the examples {@code order[from..to)} under {@code adapter}, its gradient added to
     * {@code grad}: one step's arithmetic, for a check against finite differences.
     */
    double lossAndGradient(LinearAdapter adapter, TrainingExamples examples, int[] order, int from, int to,
                           float[][] grad) {
        return new Batch(to - from, maxNegatives(examples)).gradient(adapter, examples, order, from, to, grad);
    }

    private static int maxNegatives(TrainingExamples examples) {
        int most = 0;
        for (int i = 0; i < examples.size(); i++) {
            most = Math.max(most, examples.negativeCount(i));
        }
        return most;
    }

    /** One Adam step on {@code W} (by columns, as kept), as torch 1.13's single-tensor Adam computes it. */
    private void adam(LinearAdapter adapter, float[][] grad, float[][] m, float[][] v, long step) {
        float b1 = (float) BETA1;
        float b2 = (float) BETA2;
        double bc1 = 1 - Math.pow(BETA1, step);
        double bc2 = 1 - Math.pow(BETA2, step);
        float stepSize = (float) (options.learningRate() / bc1);
        float bc2Sqrt = (float) Math.sqrt(bc2);
        float eps = (float) EPS;
        for (int c = 0; c < dim; c++) {
            float[] w = adapter.column(c);
            float[] g = grad[c];
            float[] mc = m[c];
            float[] vc = v[c];
            for (int r = 0; r < dim; r++) {
                float gr = g[r];
                mc[r] = mc[r] * b1 + gr * (1 - b1);
                vc[r] = vc[r] * b2 + gr * gr * (1 - b2);
                float denom = (float) Math.sqrt(vc[r]) / bc2Sqrt + eps;
                w[r] -= stepSize * (mc[r] / denom);
            }
        }
    }

    /** {@code a . b} as one chain of fused multiply-adds in component order: the same bits everywhere. */
    static float chain(float[] a, float[] b, int dim) {
        float sum = 0f;
        for (int k = 0; k < dim; k++) {
            sum = Math.fma(a[k], b[k], sum);
        }
        return sum;
    }

    /**
     * One batch's rows and scratch, reused from batch to batch. Every sum is an ordered chain of fused
     * multiply-adds ({@code axpy} over the batch's positives laid out by component, {@link #chain} for the
     * rest), so a gradient has the same bits in every run.
     */
    private final class Batch {
        private final float[][] q;
        private final float[][] v;
        private final float[] norm;
        private final float[][] pos;
        private final float[][] posByComponent;
        private final float[][] neg;
        private final float[] inBatch;
        private final float[] logits;
        private final float[] gv;
        private final float[] gu;

        Batch(int size, int maxNegatives) {
            q = new float[size][dim];
            v = new float[size][dim];
            norm = new float[size];
            pos = new float[size][dim];
            posByComponent = new float[dim][size];
            neg = new float[Math.max(1, maxNegatives)][dim];
            inBatch = new float[size];
            logits = new float[1 + maxNegatives + size];
            gv = new float[dim];
            gu = new float[dim];
        }

        /** Adds the batch's mean-loss gradient to {@code grad} (by columns of W); returns the mean loss. */
        double gradient(LinearAdapter adapter, TrainingExamples ex, int[] order, int from, int to, float[][] grad) {
            int b = to - from;
            for (int i = 0; i < b; i++) {
                int e = order[from + i];
                queries.copyRow(ex.query(e), q[i]);
                corpus.copyRow(ex.positive(e), pos[i]);
                norm[i] = adapter.map(q[i], v[i]);
                if (!(norm[i] > 0)) {
                    norm[i] = 1f; // a zero query maps to zero whatever W is: no logit, no gradient from it
                }
                float inverse = 1f / norm[i];
                for (int k = 0; k < dim; k++) {
                    v[i][k] *= inverse; // v[i] is now the adapted query
                    posByComponent[k][i] = pos[i][k];
                }
            }
            float inverseT = (float) (1 / options.temperature());
            double lossSum = 0;
            for (int i = 0; i < b; i++) {
                int e = order[from + i];
                int negatives = ex.negativeCount(e);
                for (int j = 0; j < negatives; j++) {
                    corpus.copyRow(ex.negative(e, j), neg[j]);
                }
                float[] vi = v[i];
                // the cosines with every positive of the batch: sum over components of v[k] * (positives' k-th)
                java.util.Arrays.fill(inBatch, 0, b, 0f);
                for (int k = 0; k < dim; k++) {
                    if (vi[k] != 0f) {
                        kernels.axpy(vi[k], posByComponent[k], 0, inBatch, 0, b);
                    }
                }
                // logits: [positive, negatives..., in-batch positives j != i]; a masked one is -inf
                int n = 0;
                logits[n++] = inBatch[i] * inverseT;
                for (int j = 0; j < negatives; j++) {
                    logits[n++] = chain(vi, neg[j], dim) * inverseT;
                }
                for (int j = 0; j < b; j++) {
                    if (j != i) {
                        boolean masked = ex.isPositiveOf(e, ex.positive(order[from + j]));
                        logits[n++] = masked ? Float.NEGATIVE_INFINITY : inBatch[j] * inverseT;
                    }
                }
                float max = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < n; c++) {
                    max = Math.max(max, logits[c]);
                }
                double sum = 0;
                for (int c = 0; c < n; c++) {
                    sum += Math.exp(logits[c] - max);
                }
                lossSum += Math.log(sum) + max - logits[0];
                // dLoss/dv = sum_c (p_c - y_c) x_c / (T b)
                java.util.Arrays.fill(gv, 0f);
                float scale = inverseT / b;
                int c = 0;
                kernels.axpy((float) ((Math.exp(logits[c++] - max) / sum - 1) * scale), pos[i], 0, gv, 0, dim);
                for (int j = 0; j < negatives; j++) {
                    kernels.axpy((float) (Math.exp(logits[c++] - max) / sum * scale), neg[j], 0, gv, 0, dim);
                }
                for (int j = 0; j < b; j++) {
                    if (j != i) {
                        float p = (float) (Math.exp(logits[c++] - max) / sum);
                        if (p != 0f) {
                            kernels.axpy(p * scale, pos[j], 0, gv, 0, dim);
                        }
                    }
                }
                // through the normalization: dLoss/du = (gv - (gv . v) v) / |u|; dLoss/dW[:, k] = q[k] dLoss/du
                float along = chain(gv, vi, dim);
                float inverseNorm = 1f / norm[i];
                for (int k = 0; k < dim; k++) {
                    gu[k] = (gv[k] - along * vi[k]) * inverseNorm;
                }
                float[] qi = q[i];
                for (int k = 0; k < dim; k++) {
                    if (qi[k] != 0f) {
                        kernels.axpy(qi[k], gu, 0, grad[k], 0, dim);
                    }
                }
            }
            return lossSum / b;
        }
    }
}
