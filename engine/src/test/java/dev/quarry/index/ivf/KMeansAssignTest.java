package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quarry.testing.TestVectors;
import dev.quarry.vector.VectorKernelsProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import org.junit.jupiter.api.Test;

/** The k-means assignment splits the points across threads; a failing part fails the call, after the others end. */
class KMeansAssignTest {

    @Test
    void aFailingPartFailsTheAssignmentOnlyOnceEveryPartHasEnded() {
        SplittableRandom random = new SplittableRandom(3);
        int dim = 16;
        int k = 256;
        int half = 150 * KMeans.BLOCK; // each of the two parts takes 150 blocks: one half
        float[] centroids = new float[k * dim];
        for (int i = 0; i < centroids.length; i++) {
            centroids[i] = (float) random.nextGaussian();
        }
        ThreadPoolExecutor pool = (ThreadPoolExecutor) Executors.newFixedThreadPool(2);
        try (Arena arena = Arena.ofShared()) {
            // The segment holds the second half of the points only: the first part (rows before it) fails at once,
            // while the second scores its points.
            float[][] rows = TestVectors.rows(random, half, dim);
            MemorySegment points = TestVectors.segment(arena, rows, 0, 4L * dim);
            long offset = -4L * dim * half;
            int[] assign = new int[2 * half];
            float[] best = new float[2 * half];
            assertThrows(IndexOutOfBoundsException.class, () -> new KMeans(VectorKernelsProvider.get()).assign(pool, 2,
                    points, offset, 4L * dim, 2 * half, dim, centroids, k, false, assign, best));
            assertEquals(0, pool.getActiveCount(), "a part still running after the assignment failed");
            assertEquals(2, pool.getCompletedTaskCount(), "both parts ended before the call returned");
            // The part that could run finished its work: it was not cut short by the failure of the other.
            for (int i = 0; i < half; i++) {
                int bestCentroid = 0;
                double bestScore = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < k; c++) {
                    double score = 0;
                    for (int d = 0; d < dim; d++) {
                        score += (double) rows[i][d] * centroids[c * dim + d];
                    }
                    if (score > bestScore) {
                        bestScore = score;
                        bestCentroid = c;
                    }
                }
                assertEquals(bestScore, best[half + i], 1e-4, "point " + (half + i));
                assertEquals(bestCentroid, assign[half + i], "point " + (half + i));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
