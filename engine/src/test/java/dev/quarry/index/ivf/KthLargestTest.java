package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The selection gives the value a descending sort puts at each rank, and leaves its input alone. */
class KthLargestTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    @Test
    void givesTheValueAtThatRankOfADescendingSort() {
        SplittableRandom random = new SplittableRandom(3);
        KthLargest kth = new KthLargest(KERNELS);
        for (int trial = 0; trial < 3000; trial++) {
            int n = 1 + random.nextInt(trial % 10 == 0 ? 3000 : 300);
            float[] v = new float[n];
            int mode = trial % 6;
            for (int i = 0; i < n; i++) {
                v[i] = switch (mode) {
                    case 0 -> random.nextInt(5); // ties
                    case 1 -> random.nextBoolean() ? -0f : 0f; // equal values with different bits
                    case 2 -> random.nextInt(20) == 0 ? (random.nextBoolean() ? Float.POSITIVE_INFINITY
                            : Float.NEGATIVE_INFINITY) : (float) random.nextGaussian() * 1e30f;
                    case 3 -> 0.5f + Math.ulp(0.5f) * random.nextInt(7); // a few ulps apart
                    case 4 -> Float.intBitsToFloat(random.nextInt() & 0xbf7fffff); // any finite bits below 2: subnormals too
                    default -> (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-30, 30)));
                };
            }
            float[] copy = v.clone();
            float[] sorted = v.clone();
            Arrays.sort(sorted);
            int k = random.nextInt(n);
            float expected = sorted[n - 1 - k];
            float actual = kth.of(v, n, k);
            assertTrue(expected == actual || expected != expected, "trial " + trial + " n=" + n + " k=" + k + ": expected "
                    + expected + ", got " + actual);
            assertArrayEquals(copy, v, "the input is left as it was");
        }
    }

    @Test
    void everyRankOfOddSizesAgreesWithASort() {
        SplittableRandom random = new SplittableRandom(11);
        KthLargest kth = new KthLargest(KERNELS);
        for (int n : new int[] {1, 3, 7, 15, 17, 18, 33, 34, 35, 100, 383, 384, 385}) {
            for (int mode = 0; mode < 5; mode++) {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = switch (mode) {
                        case 0 -> random.nextInt(4); // ties
                        case 1 -> random.nextBoolean() ? -0f : 0f; // zeros of both signs, equal
                        case 2 -> random.nextInt(10) == 0 ? Float.NEGATIVE_INFINITY : (float) random.nextGaussian();
                        case 3 -> i; // ascending
                        default -> 0.25f + 0.5f * random.nextFloat(); // scores of a list: a narrow range
                    };
                }
                float[] copy = v.clone();
                float[] sorted = v.clone();
                Arrays.sort(sorted);
                for (int k = 0; k < n; k++) {
                    float expected = sorted[n - 1 - k];
                    assertTrue(expected == kth.of(v, n, k), "n=" + n + " mode=" + mode + " k=" + k);
                }
                assertArrayEquals(copy, v, "the input is left as it was");
            }
        }
    }

    @Test
    void takesEveryRankOfOneArray() {
        float[] v = {3f, -1f, 3f, 0f, -0f, 7f, Float.MIN_VALUE, -Float.MIN_VALUE};
        float[] descending = {7f, 3f, 3f, Float.MIN_VALUE, 0f, 0f, -Float.MIN_VALUE, -1f};
        KthLargest kth = new KthLargest(KERNELS);
        for (int k = 0; k < v.length; k++) {
            assertTrue(descending[k] == kth.of(v, v.length, k), "rank " + k);
        }
        assertEquals(5f, kth.of(new float[] {5f}, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> kth.of(v, v.length, v.length));
    }
}
