package dev.quarry.bench.peers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TopKHeapTest {

    /** The k best rows by score descending, then row ascending, from a full sort. */
    private static int[] sorted(float[] scores, int k) {
        int[] order = IntStream.range(0, scores.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(r -> -scores[r]).thenComparingInt(r -> r))
                .mapToInt(Integer::intValue).toArray();
        int[] best = new int[k];
        for (int i = 0; i < k; i++) {
            best[i] = i < order.length ? order[i] : -1;
        }
        return best;
    }

    @Test
    void keepsTheSameRowsAsAFullSortForRandomSizesAndTies() {
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 500; trial++) {
            int rows = random.nextInt(0, 300);
            int k = random.nextInt(1, 40);
            // Few distinct values, so ties at the k-th score are common.
            float[] scores = new float[rows];
            for (int r = 0; r < rows; r++) {
                scores[r] = random.nextInt(0, 12) / 4f;
            }
            TopKHeap heap = new TopKHeap(k);
            int[] order = IntStream.range(0, rows).toArray();
            if (trial % 2 == 1) { // offered out of row order too: the tie rule must not depend on it
                for (int i = rows - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
            }
            for (int r : order) {
                heap.offer(r, scores[r]);
            }
            int[] out = new int[k + 2];
            out[0] = 99;
            out[k + 1] = 99;
            heap.drainTo(out, 1);
            int[] got = Arrays.copyOfRange(out, 1, k + 1);
            assertArrayEquals(sorted(scores, k), got, "trial " + trial + ": rows=" + rows + " k=" + k);
            assertEquals(99, out[0]);
            assertEquals(99, out[k + 1]);
            assertEquals(0, heap.size());
        }
    }

    @Test
    void isReusableAfterResetAndReportsItsThreshold() {
        TopKHeap heap = new TopKHeap(2);
        assertEquals(Float.NEGATIVE_INFINITY, heap.threshold());
        heap.offer(0, 0.5f);
        heap.offer(1, 0.9f);
        heap.offer(2, 0.7f);
        assertEquals(0.7f, heap.threshold());
        heap.reset();
        heap.offer(5, 0.1f);
        int[] out = new int[2];
        heap.drainTo(out, 0);
        assertArrayEquals(new int[] {5, -1}, out);
    }
}
