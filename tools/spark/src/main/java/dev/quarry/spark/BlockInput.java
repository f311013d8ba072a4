package dev.quarry.spark;

import dev.quarry.mining.candidate.AnchorBlock;
import java.io.Serializable;

/**
 * One block of anchors as the driver cuts it ({@link dev.quarry.pipeline.BlockLayout}) and ships it to the
 * executors: anchor ordinals, positives and exclusions, no vectors (the executors read those from the
 * anchors' store).
 *
 * @param block the block's number in output order
 */
record BlockInput(int block, int[] anchors, int[][] positives, int[][] exclusions) implements Serializable {

    static BlockInput of(int block, AnchorBlock b) {
        return new BlockInput(block, b.anchors(), b.positives(), b.exclusions());
    }

    /** The engine's block, without vectors. */
    AnchorBlock anchorBlock() {
        return new AnchorBlock(null, anchors, positives, exclusions);
    }

    int size() {
        return anchors.length;
    }
}
