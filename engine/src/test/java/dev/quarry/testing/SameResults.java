package dev.quarry.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.index.TopK;

/**
 * The check that two searches gave the same results: the same queries, and for each the same count, ids and score
 * bits in the same order. For the tests that compare one way of searching with another (threads, blocks, passes,
 * shared lists) where nothing may differ, not even a rounding.
 */
public final class SameResults {
    private SameResults() {
    }

    /** Fails, naming the query and rank with {@code where}, at the first difference. */
    public static void assertSame(TopK expected, TopK actual, String where) {
        assertEquals(expected.queries(), actual.queries(), where);
        for (int q = 0; q < expected.queries(); q++) {
            assertEquals(expected.count(q), actual.count(q), where + " q=" + q);
            for (int r = 0; r < expected.count(q); r++) {
                assertEquals(expected.id(q, r), actual.id(q, r), where + " q=" + q + " rank " + r);
                assertEquals(Float.floatToRawIntBits(expected.score(q, r)), Float.floatToRawIntBits(actual.score(q, r)),
                        where + " q=" + q + " rank " + r);
            }
        }
    }
}
