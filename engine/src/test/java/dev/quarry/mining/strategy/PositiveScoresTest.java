package dev.quarry.mining.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.LaneDot;
import dev.quarry.vector.QueryBlock;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A block's positives scored side by side get the bits of scoring each pair on its own. */
class PositiveScoresTest {

    @Test
    void aBlocksPositivesHaveTheBitsOfOneChainPerPair() {
        SplittableRandom random = new SplittableRandom(17);
        for (int dim : new int[] {1, 3, 7, 15, 17, 100, 383, 384, 385}) {
            float[][] rows = TestVectors.rows(random, 40, dim);
            rows[3] = new float[dim]; // zeros
            rows[5][dim / 2] = Float.NaN;
            try (VectorStore corpus = VectorStore.copyOf("rows", rows, false)) {
                for (int anchors : new int[] {1, 2, 3, 5, 9}) {
                    float[][] queries = TestVectors.rows(random, anchors, dim);
                    int[][] positives = new int[anchors][];
                    for (int i = 0; i < anchors; i++) {
                        positives[i] = new int[random.nextInt(4)]; // none, one or several: pairs not a multiple of 4
                        for (int p = 0; p < positives[i].length; p++) {
                            positives[i][p] = random.nextInt(rows.length);
                        }
                    }
                    positives[0] = new int[] {3, 5};
                    QueryBlock block = QueryBlock.of(queries);
                    float[][] batched = PositiveScores.of(block, positives, corpus);
                    for (int i = 0; i < anchors; i++) {
                        assertEquals(positives[i].length, batched[i].length);
                        for (int p = 0; p < positives[i].length; p++) {
                            float one = LaneDot.dot(queries[i], corpus.segment(), corpus.rowOffset(positives[i][p]), dim);
                            assertEquals(Float.floatToRawIntBits(one), Float.floatToRawIntBits(batched[i][p]),
                                    "dim " + dim + " anchor " + i + " positive " + p);
                        }
                    }
                }
            }
        }
    }
}
