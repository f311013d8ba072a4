package dev.quarry.tune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryUsageException;
import dev.quarry.eval.EvalResult;
import dev.quarry.eval.Evaluator;
import dev.quarry.eval.HeldoutQueries;
import dev.quarry.index.SearchParams;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.labels.Qrels;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.ScalarVectorKernels;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The adapter's training: its gradient is the loss's (finite differences), it is a function of the examples,
 * options and seed only, and on data a linear map can fix it raises held-out recall.
 */
class AdapterTrainerTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    /** Docs on the sphere; query i is a fixed linear distortion of doc i plus noise (what an adapter can undo). */
    private record Data(float[][] docs, float[][] queries) {
        static Data distorted(int docs, int queries, int dim, double distortion, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            float[][] d = TestVectors.normalized(TestVectors.rows(random, docs, dim));
            float[][] mix = new float[dim][dim];
            for (int r = 0; r < dim; r++) {
                for (int c = 0; c < dim; c++) {
                    mix[r][c] = (r == c ? 1f : 0f) + (float) (distortion * random.nextGaussian() / Math.sqrt(dim));
                }
            }
            float[][] q = new float[queries][dim];
            for (int i = 0; i < queries; i++) {
                for (int r = 0; r < dim; r++) {
                    double sum = 0.1 * random.nextGaussian() / Math.sqrt(dim);
                    for (int c = 0; c < dim; c++) {
                        sum += mix[r][c] * d[i][c];
                    }
                    q[i][r] = (float) sum;
                }
            }
            return new Data(d, TestVectors.normalized(q));
        }
    }

    private static TrainingExamples examples(int[] anchors, int[][] negatives) {
        List<MinedAnchor> mined = new ArrayList<>();
        for (int i = 0; i < anchors.length; i++) {
            int a = anchors[i];
            int[] negs = negatives == null ? new int[0] : negatives[i];
            mined.add(new MinedAnchor(a, new int[] {a}, new float[1], negs, new float[negs.length], new int[negs.length],
                    Shortfall.NONE));
        }
        return TrainingExamples.of(mined, true);
    }

    @Test
    void theGradientIsTheLossesByFiniteDifferences() {
        Data data = Data.distorted(40, 12, 7, 0.8, 3);
        SplittableRandom random = new SplittableRandom(4);
        int[] anchors = IntStream.range(0, 12).toArray();
        int[][] negatives = new int[12][];
        for (int i = 0; i < 12; i++) {
            negatives[i] = new int[] {12 + random.nextInt(28), 12 + random.nextInt(28)};
        }
        TrainingExamples ex = examples(anchors, negatives);
        // anchors 0 and 1 share positive 0: each masks the other's in-batch positive
        try (VectorStore corpus = VectorStore.copyOf("c", data.docs(), false);
             VectorStore queries = VectorStore.copyOf("q", data.queries(), false)) {
            VectorKernels scalar = new ScalarVectorKernels();
            AdapterTrainer trainer = new AdapterTrainer(corpus, queries, scalar, new TrainingOptions(0.2, 1e-3, 1, 12));
            LinearAdapter adapter = LinearAdapter.identity(7, scalar);
            for (int r = 0; r < 7; r++) { // away from the identity, where some terms vanish
                for (int c = 0; c < 7; c++) {
                    adapter.column(c)[r] += (float) (0.3 * random.nextGaussian());
                }
            }
            int[] order = IntStream.range(0, 12).toArray();
            float[][] grad = new float[7][7];
            trainer.lossAndGradient(adapter, ex, order, 0, 12, grad);
            float h = 1e-2f;
            for (int r = 0; r < 7; r++) {
                for (int c = 0; c < 7; c++) {
                    float keep = adapter.column(c)[r];
                    adapter.column(c)[r] = keep + h;
                    double up = trainer.lossAndGradient(adapter, ex, order, 0, 12, new float[7][7]);
                    adapter.column(c)[r] = keep - h;
                    double down = trainer.lossAndGradient(adapter, ex, order, 0, 12, new float[7][7]);
                    adapter.column(c)[r] = keep;
                    double numeric = (up - down) / (2 * h);
                    // grad is kept by columns, like W: grad[c][r] = dLoss/dW[r][c]
                    assertEquals(numeric, grad[c][r], 2e-3 + 0.02 * Math.abs(numeric), "dLoss/dW[" + r + "][" + c + "]");
                }
            }
        }
    }

    @Test
    void aMaskedInBatchPositiveAndMinedNegativesChangeTheLoss() {
        Data data = Data.distorted(30, 4, 5, 0.5, 9);
        try (VectorStore corpus = VectorStore.copyOf("c", data.docs(), false);
             VectorStore queries = VectorStore.copyOf("q", data.queries(), false)) {
            AdapterTrainer trainer = new AdapterTrainer(corpus, queries, KERNELS, new TrainingOptions(0.1, 1e-3, 1, 4));
            LinearAdapter identity = LinearAdapter.identity(5, KERNELS);
            int[] order = {0, 1, 2, 3};
            double plain = trainer.lossAndGradient(identity, examples(new int[] {0, 1, 2, 3}, null), order, 0, 4,
                    new float[5][5]);
            double withNegatives = trainer.lossAndGradient(identity, examples(new int[] {0, 1, 2, 3},
                    new int[][] {{9}, {9}, {9}, {9}}), order, 0, 4, new float[5][5]);
            assertTrue(withNegatives > plain, "a negative adds a term to every softmax: " + withNegatives + " > " + plain);
            // Two examples of one anchor (positives 0 and 1): each other's positive is masked, so the loss drops.
            List<MinedAnchor> shared = List.of(
                    new MinedAnchor(0, new int[] {0, 1}, new float[2], new int[0], new float[0], new int[0], Shortfall.NONE),
                    new MinedAnchor(2, new int[] {2}, new float[1], new int[0], new float[0], new int[0], Shortfall.NONE),
                    new MinedAnchor(3, new int[] {3}, new float[1], new int[0], new float[0], new int[0], Shortfall.NONE));
            TrainingExamples two = TrainingExamples.of(shared, true);
            assertEquals(4, two.size());
            assertTrue(two.isPositiveOf(0, 1) && two.isPositiveOf(1, 0) && !two.isPositiveOf(2, 0));
        }
    }

    @Test
    void trainingIsAFunctionOfTheExamplesOptionsAndSeed() {
        Data data = Data.distorted(300, 200, 12, 0.8, 5);
        try (VectorStore corpus = VectorStore.copyOf("c", data.docs(), false);
             VectorStore queries = VectorStore.copyOf("q", data.queries(), false)) {
            TrainingExamples ex = examples(IntStream.range(0, 200).toArray(), null);
            TrainingOptions options = new TrainingOptions(0.05, 1e-2, 2, 32);
            AdapterTrainer trainer = new AdapterTrainer(corpus, queries, KERNELS, options);
            float[] a = trainer.train(ex, 7).adapter().weights();
            float[] b = trainer.train(ex, 7).adapter().weights();
            float[] c = trainer.train(ex, 8).adapter().weights();
            assertArrayEquals(a, b, "same seed, same bits");
            assertFalse(Arrays.equals(a, c), "another seed visits the examples in another order");
            assertEquals(7 * 2, trainer.train(ex, 7).steps(), "200 examples in batches of 32: 7 steps an epoch");
        }
    }

    @Test
    void onDataALinearMapCanFixTrainingRaisesHeldOutRecall() {
        Data data = Data.distorted(2000, 1000, 24, 1.5, 11);
        try (VectorStore corpus = VectorStore.copyOf("c", data.docs(), false);
             VectorStore queries = VectorStore.copyOf("q", data.queries(), false)) {
            Qrels.Builder pairs = new Qrels.Builder();
            for (int i = 800; i < 1000; i++) {
                pairs.add(i, i);
            }
            HeldoutQueries heldout = HeldoutQueries.of(queries, pairs.build(), false, java.nio.file.Path.of("h.tsv"));
            FlatIndex exact = new FlatIndex(corpus, KERNELS);
            int[] ks = {10, 100};
            EvalResult before = Evaluator.evaluate("before", exact, heldout, null, ks, SearchParams.defaults());
            AdapterTrainer trainer = new AdapterTrainer(corpus, queries, KERNELS, new TrainingOptions(0.05, 1e-2, 5, 32));
            LinearAdapter adapter = trainer.train(examples(IntStream.range(0, 800).toArray(), null), 1).adapter();
            EvalResult after = Evaluator.evaluate("after", exact, heldout, adapter, ks, SearchParams.defaults());
            assertTrue(after.recall()[0] > before.recall()[0] + 0.1, "recall@10 " + before.recall()[0] + " -> "
                    + after.recall()[0]);
        }
    }

    @Test
    void optionsThatCannotTrainAreUsageErrorsNamingTheField() {
        Object[][] cases = {
            {Double.NaN, 1e-3, 1, 8, "temperature=NaN"},
            {0.05, Double.NaN, 1, 8, "learningRate=NaN"},
            {0.05, -1.0, 1, 8, "learningRate=-1.0"},
            {0.05, Double.POSITIVE_INFINITY, 1, 8, "learningRate=Infinity"},
            {0.05, 1e-3, 0, 8, "epochs=0"},
            {0.05, 1e-3, 1, 1, "batchSize=1"},
        };
        for (Object[] c : cases) {
            QuarryUsageException e = assertThrows(QuarryUsageException.class, () -> new TrainingOptions((double) c[0],
                    (double) c[1], (int) c[2], (int) c[3]));
            assertTrue(e.getMessage().startsWith((String) c[4]), e.getMessage());
        }
    }
}
