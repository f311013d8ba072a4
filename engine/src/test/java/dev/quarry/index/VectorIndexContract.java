package dev.quarry.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.QueryBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The checks every {@link VectorIndex} must pass against exact brute force: order, ties, exclusions,
 * k beyond the corpus, determinism across thread counts. An index that approximates (IVF) runs the
 * suite with parameters that make it exact.
 */
public abstract class VectorIndexContract {

    /** An index over every row of {@code store}, searched with {@link #exactParams}. */
    protected abstract VectorIndex create(VectorStore store);

    /** Search parameters under which {@code index} must return the exact result. */
    protected SearchParams exactParams(VectorIndex index) {
        return SearchParams.defaults();
    }

    /**
     * Integer-valued vectors: every dot product is an exact integer in float whatever the summation
     * order, so the oracle is exact and ties (equal scores, ordered by ordinal) are everywhere.
     */
    private static float[][] integerRows(SplittableRandom random, int count, int dim) {
        float[][] rows = new float[count][dim];
        for (float[] row : rows) {
            for (int k = 0; k < dim; k++) {
                row[k] = random.nextInt(5) - 2;
            }
        }
        return rows;
    }

    @Test
    void matchesBruteForceExactlyOnRandomSizesWithTiesAndExclusions() {
        SplittableRandom random = new SplittableRandom(2024);
        for (int trial = 0; trial < 25; trial++) {
            int count = 1 + random.nextInt(trial < 5 ? 20 : 3000);
            int dim = 1 + random.nextInt(40);
            int queries = 1 + random.nextInt(trial % 3 == 0 ? 3 : 90);
            int k = 1 + random.nextInt(Math.min(150, count + 10));
            float[][] rows = integerRows(random, count, dim);
            float[][] qs = integerRows(random, queries, dim);
            int[][] excluded = randomExclusions(random, queries, count);
            try (VectorStore store = VectorStore.copyOf("rows", rows, false); VectorIndex index = create(store)) {
                TopK actual = index.search(QueryBlock.of(qs), k, Exclusions.ofSorted(excluded), exactParams(index));
                String where = "trial " + trial + " count=" + count + " dim=" + dim + " queries=" + queries + " k=" + k;
                assertSameAsBruteForce(rows, qs, excluded, k, actual, where);
            }
        }
    }

    @Test
    void returnsTheSameResultForAnyThreadCount() {
        SplittableRandom random = new SplittableRandom(77);
        float[][] rows = integerRows(random, 5000, 24);
        float[][] qs = integerRows(random, 70, 24);
        int[][] excluded = randomExclusions(random, 70, 5000);
        try (VectorStore store = VectorStore.copyOf("rows", rows, false); VectorIndex index = create(store)) {
            TopK one = index.search(QueryBlock.of(qs), 100, Exclusions.ofSorted(excluded), exactParams(index));
            for (int threads : new int[] {2, 3, 4}) {
                TopK many = index.search(QueryBlock.of(qs), 100, Exclusions.ofSorted(excluded),
                        exactParams(index).withThreads(threads));
                for (int q = 0; q < 70; q++) {
                    assertEquals(one.count(q), many.count(q));
                    for (int r = 0; r < one.count(q); r++) {
                        assertEquals(one.id(q, r), many.id(q, r), "threads=" + threads + " q=" + q + " rank " + r);
                        assertEquals(one.score(q, r), many.score(q, r));
                    }
                }
            }
        }
    }

    @Test
    void scoresMatchBruteForceOnRandomFloats() {
        SplittableRandom random = new SplittableRandom(5);
        int count = 2000;
        int dim = 96;
        float[][] rows = TestVectors.rows(random, count, dim);
        float[][] qs = TestVectors.rows(random, 33, dim);
        try (VectorStore store = VectorStore.copyOf("rows", rows, false); VectorIndex index = create(store)) {
            TopK actual = index.search(QueryBlock.of(qs), 50, Exclusions.NONE, exactParams(index));
            for (int q = 0; q < qs.length; q++) {
                double[] exact = new double[count];
                for (int r = 0; r < count; r++) {
                    exact[r] = TestVectors.exactDot(qs[q], rows[r], dim);
                }
                double[] sorted = exact.clone();
                Arrays.sort(sorted);
                for (int rank = 0; rank < 50; rank++) {
                    int id = actual.id(q, rank);
                    double tol = TestVectors.tolerance(qs[q], rows[id], dim);
                    assertEquals(exact[id], actual.score(q, rank), tol, "score of the returned row");
                    assertEquals(sorted[count - 1 - rank], actual.score(q, rank), 2 * tol, "q=" + q + " rank " + rank);
                }
            }
        }
    }

    @Test
    void neverReturnsExcludedRowsEvenWhenTheyScoreBest() {
        float[][] rows = {{1, 0}, {0.9f, 0.1f}, {0.8f, 0.2f}, {0, 1}};
        try (VectorStore store = VectorStore.copyOf("rows", rows, false); VectorIndex index = create(store)) {
            TopK top = index.search(QueryBlock.of(new float[] {1, 0}), 3, Exclusions.ofSorted(new int[][] {{0, 1}}),
                    exactParams(index));
            assertEquals(2, top.count(0), "only two rows are left");
            assertEquals(2, top.id(0, 0));
            assertEquals(3, top.id(0, 1));
        }
    }

    @Test
    void aFailureInOneSearchThreadReachesTheCallerAndNoThreadOutlivesTheSearch() {
        SplittableRandom random = new SplittableRandom(9);
        int count = 4096;
        float[][] rows = integerRows(random, count, 16);
        float[][] qs = integerRows(random, 40, 16);
        IllegalArgumentException boom = new IllegalArgumentException("exclusions failed");
        // Checking an exclusion fails for the last quarter of the rows: the threads that meet them fail.
        Exclusions failing = (query, ordinal) -> {
            if (ordinal >= count * 3 / 4) {
                throw boom;
            }
            return false;
        };
        try (VectorStore store = VectorStore.copyOf("rows", rows, false); VectorIndex index = create(store)) {
            Set<Thread> before = Thread.getAllStackTraces().keySet();
            RuntimeException thrown = assertThrows(RuntimeException.class,
                    () -> index.search(QueryBlock.of(qs), 100, failing, exactParams(index).withThreads(4)));
            assertTrue(thrown == boom || thrown.getCause() == boom, "the worker's exception, or its cause: " + thrown);
            // The shared search pool's workers stay (parked, started once); none may still run a part.
            List<Thread> left = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> !before.contains(t) && t.isAlive() && t.getName().startsWith("quarry-")
                            && !t.getName().startsWith("quarry-search-")).toList();
            assertTrue(left.isEmpty(), "threads outlived the failed search: " + left);
            assertEquals(0, SearchThreads.busyWorkers(), "no part of the failed search still runs");
            // The index is intact: the next search is the exact one.
            TopK one = index.search(QueryBlock.of(qs), 100, Exclusions.NONE, exactParams(index));
            TopK many = index.search(QueryBlock.of(qs), 100, Exclusions.NONE, exactParams(index).withThreads(4));
            for (int q = 0; q < qs.length; q++) {
                for (int r = 0; r < 100; r++) {
                    assertEquals(one.id(q, r), many.id(q, r));
                }
            }
        }
    }

    private static int[][] randomExclusions(SplittableRandom random, int queries, int count) {
        int[][] excluded = new int[queries][];
        for (int q = 0; q < queries; q++) {
            if (random.nextInt(4) == 0) {
                continue;
            }
            TreeSet<Integer> set = new TreeSet<>();
            int n = random.nextInt(Math.min(count, 12) + 1);
            while (set.size() < n) {
                set.add(random.nextInt(count));
            }
            excluded[q] = set.stream().mapToInt(Integer::intValue).toArray();
        }
        return excluded;
    }

    private static void assertSameAsBruteForce(float[][] rows, float[][] qs, int[][] excluded, int k, TopK actual,
                                               String where) {
        for (int q = 0; q < qs.length; q++) {
            List<int[]> all = new ArrayList<>();
            for (int r = 0; r < rows.length; r++) {
                if (excluded[q] != null && Arrays.binarySearch(excluded[q], r) >= 0) {
                    continue;
                }
                all.add(new int[] {r, (int) TestVectors.exactDot(qs[q], rows[r], qs[q].length)});
            }
            all.sort(Comparator.<int[]>comparingInt(e -> -e[1]).thenComparingInt(e -> e[0]));
            int expected = Math.min(k, all.size());
            assertEquals(expected, actual.count(q), where + " q=" + q + " count");
            for (int rank = 0; rank < expected; rank++) {
                assertEquals(all.get(rank)[0], actual.id(q, rank), where + " q=" + q + " rank " + rank);
                assertEquals(all.get(rank)[1], actual.score(q, rank), where + " q=" + q + " score at rank " + rank);
            }
            assertTrue(actual.k() == k);
        }
    }
}
