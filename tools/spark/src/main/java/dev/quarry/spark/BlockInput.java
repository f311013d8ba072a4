package dev.quarry.spark;

import dev.quarry.mining.candidate.AnchorBlock;
import dev.quarry.pipeline.BlockLayout;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import java.io.Serializable;

/**
 * One block of anchors on its way to the executors that mine it: anchor ordinals, positives and
 * exclusions, the anchors' names, and their vectors when the anchors table carried them (else the
 * executors read the rows of the anchors' store).
 *
 * @param block the block's number in output order
 * @param anchors per anchor its row of the anchors' store, or for an anchor given by its vector its position
 *                in the table (what seeds its random sampling)
 * @param names per anchor its name in the output (the table's {@code id}), null: its store's id
 * @param vectors the anchors' vectors, row after row, or null: rows of the anchors' store
 */
record BlockInput(int block, int[] anchors, int[][] positives, int[][] exclusions, String[] names, float[] vectors)
        implements Serializable {

    /** The engine's block, without vectors. */
    AnchorBlock anchorBlock() {
        return new AnchorBlock(null, anchors, positives, exclusions);
    }

    /** The engine's block with its anchors' vectors, loaded into {@code into} (cleared first). */
    AnchorBlock withVectors(VectorStore queries, QueryBlock into) {
        if (vectors == null) {
            return BlockLayout.loadVectors(anchorBlock(), queries, into);
        }
        into.clear();
        int dim = into.dim();
        float[] row = new float[dim];
        for (int i = 0; i < anchors.length; i++) {
            System.arraycopy(vectors, i * dim, row, 0, dim);
            into.add(row);
        }
        return new AnchorBlock(into, anchors, positives, exclusions);
    }

    /** The same block without its vectors (what travels on once the anchors were searched). */
    BlockInput withoutVectors() {
        return vectors == null ? this : new BlockInput(block, anchors, positives, exclusions, names, null);
    }

    int size() {
        return anchors.length;
    }
}
