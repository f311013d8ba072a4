package dev.quarry.index.ivf;

import dev.quarry.store.VectorStore;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.TreeSet;

/** The queries and exclusions the quantized-list tests search with: a store's rows, and a few rows excluded. */
final class QueryFixtures {
    private QueryFixtures() {
    }

    /** Every row of the store at {@code file}. */
    static float[][] rows(Path file) {
        try (VectorStore q = VectorStore.open(file)) {
            float[][] rows = new float[(int) q.count()][q.dim()];
            for (int i = 0; i < rows.length; i++) {
                q.copyRow(i, rows[i]);
            }
            return rows;
        }
    }

    /** For every other query, 5 random rows of {@code count} excluded (sorted); null for the rest. */
    static int[][] excluded(int queries, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] excluded = new int[queries][];
        for (int i = 0; i < queries; i += 2) {
            TreeSet<Integer> set = new TreeSet<>();
            while (set.size() < 5) {
                set.add(random.nextInt(count));
            }
            excluded[i] = set.stream().mapToInt(Integer::intValue).toArray();
        }
        return excluded;
    }
}
