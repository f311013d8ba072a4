package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trainer's batch searched by many callers at once, each search split between threads, gets the
 * bytes a search on one thread gets, every time. With 512 lists or more, a block of 4 to 127
 * queries on two threads splits the centroids between them, and they score one shared block of queries: the block's
 * packed copy must be made once, before the parts start (two parts packing it at once handed one of
 * them a half-written copy, and so other lists: one answer in thousands differed under load).
 */
class IvfConcurrentSearchTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();
    private static final int DIM = 128;

    @TempDir
    static Path dir;

    private static VectorStore store;
    private static IvfIndex index;
    private static float[][] queries;

    @BeforeAll
    static void build() {
        SplittableRandom random = new SplittableRandom(17);
        store = VectorStore.copyOf("rows", TestVectors.rows(random, 6000, DIM), false);
        Path file = dir.resolve("i.qivf");
        new IvfBuilder(KERNELS).build(store, new KMeansParams(1024, 2, 64, 0, false, 5, 2), file, null);
        index = IvfIndex.open(file, store, KERNELS);
        queries = TestVectors.rows(random, 64, DIM);
    }

    @AfterAll
    static void close() {
        index.close();
        store.close();
    }

    @Test
    void concurrentSearchesOfOneBatchSplitBetweenThreadsGetTheBytesOfASearchOnOneThread() throws Exception {
        for (int n : new int[] {64, 17}) {
            float[][] batch = java.util.Arrays.copyOf(queries, n);
            TopK alone = index.search(QueryBlock.of(batch), 10, Exclusions.NONE, new SearchParams(1, 2));
            ConcurrentLinkedQueue<String> differences = new ConcurrentLinkedQueue<>();
            List<Thread> callers = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                callers.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 300 && differences.isEmpty(); i++) {
                        TopK split = index.search(QueryBlock.of(batch), 10, Exclusions.NONE, new SearchParams(2, 2));
                        String d = difference(alone, split);
                        if (d != null) {
                            differences.add("call " + i + ": " + d);
                        }
                    }
                }));
            }
            for (Thread c : callers) {
                c.join();
            }
            assertEquals(List.of(), List.copyOf(differences), "n=" + n);
        }
    }

    @Test
    void aBlockPackedByTwoThreadsAtOnceGivesBothTheWholeCopy() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        for (int round = 0; round < 500; round++) {
            QueryBlock block = QueryBlock.of(TestVectors.rows(random, 64, DIM));
            QueryBlock reference = QueryBlock.of(copyRows(block));
            float[] expected = reference.packed(16, 4).clone();
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            float[][] seen = new float[2][];
            Thread other = Thread.ofPlatform().start(() -> {
                await(start);
                seen[1] = block.packed(16, 4).clone();
            });
            await(start);
            seen[0] = block.packed(16, 4).clone();
            other.join();
            for (float[] s : seen) {
                assertEquals(0, java.util.Arrays.compare(expected, 0, 64 * DIM, s, 0, 64 * DIM), "round " + round);
            }
        }
    }

    private static float[][] copyRows(QueryBlock block) {
        float[][] rows = new float[block.count()][block.dim()];
        for (int q = 0; q < rows.length; q++) {
            block.copyTo(q, rows[q]);
        }
        return rows;
    }

    private static void await(java.util.concurrent.CyclicBarrier barrier) {
        try {
            barrier.await(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String difference(TopK a, TopK b) {
        for (int q = 0; q < a.queries(); q++) {
            if (a.count(q) != b.count(q)) {
                return "query " + q + ": " + a.count(q) + " vs " + b.count(q) + " results";
            }
            for (int r = 0; r < a.count(q); r++) {
                if (a.id(q, r) != b.id(q, r)
                        || Float.floatToIntBits(a.score(q, r)) != Float.floatToIntBits(b.score(q, r))) {
                    return "query " + q + " rank " + r + ": " + a.id(q, r) + "/" + a.score(q, r) + " vs "
                            + b.id(q, r) + "/" + b.score(q, r);
                }
            }
        }
        return null;
    }
}
