package dev.quarry.index.ivf;

import dev.quarry.vector.VectorKernels;

/**
 * The value at a given rank of a few hundred floats sorted descending, by bisection on the floats'
 * ordered bits, each step one vector count of the values at or above the middle
 * ({@link VectorKernels#countAtLeast}). It is asked twice for about every query of a super-block (the
 * cut's estimate from a sample, then the k-th best of the candidates a list adds), so its cost is a visible
 * part of a search (docs/architecture.md, "Batch mining"). What it replaced, each slower: a quickselect,
 * whose partition steps mispredicted about half their branches on scores in random order, then narrowing
 * histograms of 256 buckets (three passes of a scalar count, a fill and a walk of the buckets each). Some
 * 25 steps of a branch-free compare over 16 values at a time cost less than either. One per thread;
 * reuses its buffer.
 */
final class KthLargest {
    private final VectorKernels kernels;
    private int[] bits = new int[0];

    /** A selection whose counts run on {@code kernels}. */
    KthLargest(VectorKernels kernels) {
        this.kernels = kernels;
    }

    /**
     * The value that would sit at position {@code k} (0-based) of {@code v[0, n)} sorted descending;
     * {@code v} holds no NaN and is left as it is. Of -0.0 and 0.0, which are equal, either may be returned.
     */
    float of(float[] v, int n, int k) {
        if (k < 0 || k >= n) {
            throw new IllegalArgumentException("k=" + k + ", n=" + n);
        }
        if (bits.length < n) {
            bits = new int[Math.max(n, 2 * bits.length)];
        }
        int lo = Integer.MAX_VALUE;
        int hi = Integer.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            int b = orderBits(v[i]);
            bits[i] = b;
            lo = Math.min(lo, b);
            hi = Math.max(hi, b);
        }
        // The value at rank k is the largest t that more than k values reach: more than k reach lo, at
        // most k reach hi + 1, and the two meet at a value that is one of v's (more reach it than the next).
        while (lo < hi) {
            int mid = (int) (((long) lo + hi + 1) >> 1);
            if (kernels.countAtLeast(bits, n, mid) > k) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return fromOrderBits(lo);
    }

    /** An int whose signed order is the order of the (non-NaN) float's value, -0.0 just below 0.0. */
    static int orderBits(float value) {
        int b = Float.floatToRawIntBits(value);
        return b ^ ((b >> 31) & 0x7fffffff);
    }

    /** The float of {@link #orderBits}. */
    static float fromOrderBits(int order) {
        return Float.intBitsToFloat(order ^ ((order >> 31) & 0x7fffffff));
    }
}
