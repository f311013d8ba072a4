package dev.quarry.index.flat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestFiles;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flat index made to pause ({@link FlatIndex#pausingWith}) calls its hook before every block of rows it
 * scans, on every scanning thread, and finds exactly what the index without the hook finds.
 */
class FlatPausingScanTest {
    private static final int ROWS = 3100; // six whole row blocks of 512 and a partial one
    private static final int DIM = 17;
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    @TempDir
    Path dir;

    @Test
    void theHookRunsBeforeEveryBlockOfRowsAndTheResultsAreTheSame() {
        float[][] rows = TestVectors.rows(new SplittableRandom(11), ROWS, DIM);
        Path file = TestFiles.qvec(dir.resolve("c.qvec"), rows, false);
        try (VectorStore store = VectorStore.open(file)) {
            QueryBlock queries = new QueryBlock(9, DIM);
            for (int i = 0; i < 9; i++) {
                queries.add(rows[i * 311]);
            }
            FlatIndex plain = new FlatIndex(store, KERNELS);
            for (int threads : new int[] {1, 2}) {
                AtomicInteger calls = new AtomicInteger();
                FlatIndex pausing = plain.pausingWith(calls::incrementAndGet);
                SearchParams params = SearchParams.defaults().withThreads(threads);
                TopK expected = plain.search(queries, 15, Exclusions.NONE, params);
                TopK found = pausing.search(queries, 15, Exclusions.NONE, params);
                // one call per block of each thread's range: [0, 3100) is 7 blocks; [0, 1550) and [1550, 3100) 4 each
                assertEquals(threads == 1 ? 7 : 8, calls.get(), "threads " + threads);
                for (int q = 0; q < 9; q++) {
                    assertEquals(expected.count(q), found.count(q));
                    for (int r = 0; r < expected.count(q); r++) {
                        assertEquals(expected.id(q, r), found.id(q, r), "query " + q + " rank " + r);
                        assertEquals(expected.score(q, r), found.score(q, r), 0f);
                    }
                }
            }
        }
    }
}
