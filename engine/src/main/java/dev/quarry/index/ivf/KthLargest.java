package dev.quarry.index.ivf;

/**
 * The value at a given rank of a few hundred floats sorted descending, by narrowing histograms of the
 * floats' ordered bits instead of a quickselect. A quickselect's partition steps branch on each compare
 * and mispredict about half of them on scores in random order; it took a sixth of a super-block's search,
 * picking each query's k-th best candidate a list at a time. Here each pass counts the values into 256
 * buckets of their bit range (no data-dependent branch but the bucket's index), keeps the bucket holding
 * the rank (found from whichever end of the buckets is nearer to it), and stops when that bucket holds one
 * value; three passes at most for a few hundred distinct scores. One per thread; reuses its buffers.
 */
final class KthLargest {
    private static final int BUCKETS = 256;
    private final int[] counts = new int[BUCKETS];
    private int[] bits = new int[0];

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
        int size = n;
        int above = 0; // values above the range [lo, hi] that the rank's value lies in
        while (lo != hi) {
            int shift = Math.max(0, 64 - Long.numberOfLeadingZeros((long) hi - lo) - 8);
            int top = (int) (((long) hi - lo) >>> shift);
            java.util.Arrays.fill(counts, 0, top + 1, 0);
            for (int i = 0; i < size; i++) {
                counts[(int) (((long) bits[i] - lo) >>> shift)]++;
            }
            int bucket;
            if (2 * (k - above) < size) {
                bucket = top;
                while (above + counts[bucket] <= k) {
                    above += counts[bucket--];
                }
            } else {
                // The rank lies in the lower half (a merge asks for the k-th best of k and a few more): walk
                // up from the lowest bucket, not down through the 200-odd buckets above it.
                int fromBottom = size - 1 - (k - above);
                int below = 0;
                bucket = 0;
                while (below + counts[bucket] <= fromBottom) {
                    below += counts[bucket++];
                }
                above += size - below - counts[bucket];
            }
            long low = (long) lo + ((long) bucket << shift);
            long high = Math.min(hi, low + (1L << shift) - 1);
            int kept = 0;
            int newLo = Integer.MAX_VALUE;
            int newHi = Integer.MIN_VALUE;
            for (int i = 0; i < size; i++) {
                int b = bits[i];
                if (b >= low && b <= high) {
                    bits[kept++] = b;
                    newLo = Math.min(newLo, b);
                    newHi = Math.max(newHi, b);
                }
            }
            size = kept;
            lo = newLo;
            hi = newHi;
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
