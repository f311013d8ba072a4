package dev.quarry.spark;

import dev.quarry.vector.QueryBlock;

/** A task's reusable query block, replaced by a larger one when a block holds more anchors than it has room for. */
final class Vectors {
    private final int dim;
    private QueryBlock block;
    private int capacity;

    Vectors(int dim) {
        this.dim = dim;
    }

    /** A block with room for {@code anchors} queries. */
    QueryBlock fit(int anchors) {
        if (block == null || capacity < anchors) {
            capacity = Math.max(1, anchors);
            block = new QueryBlock(capacity, dim);
        }
        return block;
    }
}
