package dev.quarry.index.ivf;

import dev.quarry.index.TopKCollector;
import dev.quarry.vector.CandidateSink;

/**
 * Offers a sub-block's scores to the block's collector: sub-block query j is block query
 * {@code map[j]}, and each threshold the collector raises is mirrored into the sub-block's, so the
 * kernel skips what can no longer enter. One per scanning thread; not thread-safe.
 */
final class SubBlockSink implements CandidateSink {
    private final TopKCollector collector;
    private final float[] thresholds;
    int[] map;

    SubBlockSink(TopKCollector collector, float[] thresholds) {
        this.collector = collector;
        this.thresholds = thresholds;
    }

    @Override
    public void offer(int query, int row, float score) {
        int q = map[query];
        collector.offer(q, row, score);
        thresholds[query] = collector.thresholds()[q];
    }
}
