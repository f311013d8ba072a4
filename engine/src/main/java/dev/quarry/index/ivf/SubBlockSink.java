package dev.quarry.index.ivf;

import dev.quarry.index.TopKCollector;
import dev.quarry.vector.CandidateSink;

/**
 * Offers a sub-block's scores to the block's collector: sub-block query j is block query
 * {@code map[j]}, and each threshold the collector raises is mirrored into the sub-block's, so the
 * kernel skips what can no longer enter. For int8 lists the kernel's sums lack each query's base
 * ({@link Int8Quantizer.Scaled#bases}): the sink adds it, and mirrors thresholds with the base taken
 * off and a little slack, so the kernel never drops a sum the collector would keep (ties included: the
 * collector, not the kernel's compare, decides). One per scanning thread; not thread-safe.
 */
final class SubBlockSink implements CandidateSink {
    private final TopKCollector collector;
    private final float[] thresholds;
    private final float[] bases;
    int[] map;

    /** A sink for float32 lists (scores offered as they are) or, with {@code bases}, for int8 lists. */
    SubBlockSink(TopKCollector collector, float[] thresholds, float[] bases) {
        this.collector = collector;
        this.thresholds = thresholds;
        this.bases = bases;
    }

    @Override
    public void offer(int query, int row, float score) {
        int q = map[query];
        collector.offer(q, row, bases == null ? score : bases[q] + score);
        thresholds[query] = threshold(q);
    }

    /** The kernel's threshold for block query {@code q}: the collector's, in the kernel's terms. */
    float threshold(int q) {
        float t = collector.thresholds()[q];
        if (bases == null || t == Float.NEGATIVE_INFINITY) {
            return t;
        }
        float raw = t - bases[q];
        return raw - 4 * Math.ulp(Math.max(Math.abs(t), Math.abs(bases[q])));
    }
}
