package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.index.TopK;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.LaneDot;
import java.util.Arrays;

/**
 * The promise of a quantized index's search, checked for one query: wherever the rescored candidates hold the float32
 * index's top k, the same ids and score bits; and every score returned, held or not, the exact float32 dot product.
 */
final class RescoredAnswers {
    private RescoredAnswers() {
    }

    /**
     * Checks query {@code q}'s answer {@code actual} against the float32 index's {@code expected}.
     *
     * @return whether the rescored candidates held the float32 top k (the ids and bits were then compared)
     */
    static boolean check(TopK expected, TopK actual, IvfIndex.Candidates candidates, int q, float[] query,
                         VectorStore store, String where) {
        int[] rescored = new int[candidates.kept()[q]];
        for (int i = 0; i < rescored.length; i++) {
            rescored[i] = candidates.approximate().id(q, i);
        }
        Arrays.sort(rescored);
        boolean holds = true;
        for (int r = 0; r < expected.count(q); r++) {
            holds &= Arrays.binarySearch(rescored, expected.id(q, r)) >= 0;
        }
        assertEquals(expected.count(q), actual.count(q), where);
        if (holds) {
            for (int r = 0; r < expected.count(q); r++) {
                assertEquals(expected.id(q, r), actual.id(q, r), where + " rank " + r);
                assertEquals(Float.floatToIntBits(expected.score(q, r)),
                        Float.floatToIntBits(actual.score(q, r)), where + " rank " + r);
            }
        }
        for (int r = 0; r < actual.count(q); r++) {
            float exact = LaneDot.dot(query, store.segment(), store.rowOffset(actual.id(q, r)), store.dim());
            assertEquals(Float.floatToIntBits(exact), Float.floatToIntBits(actual.score(q, r)), where);
        }
        return holds;
    }
}
