package dev.quarry.pipeline;

import dev.quarry.index.TopK;

/**
 * Searches the anchors of many blocks at once (a super-block), on every thread of the run: an index
 * whose lists are shared by anchors (IVF) reads each list once for all the super-block's anchors that
 * probe it. The candidates are those the blocks' own searches would give, so the output does not
 * depend on how blocks are grouped.
 */
public interface BatchSearch {
    /**
     * The best {@code depth} candidates of each anchor.
     *
     * @param anchors anchor ordinals (rows of the queries store)
     * @param exclusions per anchor, sorted ordinals it must not get
     */
    TopK search(int[] anchors, int[][] exclusions, int depth);

    /** Anchors searched together for candidates {@code depth} deep: a multiple of {@code blockSize}, at least one block. */
    int anchorsPerBatch(int blockSize, int depth);
}
