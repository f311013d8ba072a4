package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestVectors;
import dev.quarry.testing.SameResults;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blocks of one call searched side by side share their lists ({@link ListShare}): whichever thread scans a
 * list, each query gets the ids and score bits of a search of its block alone. Here one thread scans another
 * block's lists while that block's own thread has not started, then the owner collects them.
 */
class ListShareTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    @TempDir
    Path dir;

    @Test
    void aBlocksListsScannedByAnotherThreadGiveTheSameIdsAndScoreBits() throws Exception {
        SplittableRandom random = new SplittableRandom(23);
        int dim = 29;
        float[][] rows = TestVectors.integers(random, 2003, dim, 3); // small integers: tied scores
        float[][] queries = TestVectors.integers(random, 45, dim, 3);
        Arrays.fill(queries[40], Float.NaN);
        try (VectorStore store = VectorStore.copyOf("rows", rows, false)) {
            Path file = Files.createTempFile(dir, "index", ".qivf");
            new IvfBuilder(KERNELS).build(store, new KMeansParams(17, 4, 64, 0, false, 42, 2), file, null);
            try (IvfIndex ivf = IvfIndex.open(file, store, KERNELS)) {
                for (int k : new int[] {1, 10, 150}) {
                    QueryBlock a = QueryBlock.of(Arrays.copyOfRange(queries, 0, 19));
                    QueryBlock b = QueryBlock.of(Arrays.copyOfRange(queries, 19, 45));
                    Exclusions ex = (q, ordinal) -> ordinal % 7 == q % 7;
                    TopK aloneA = search(ivf, a, k, ex, 1, null, null);
                    TopK aloneB = search(ivf, b, k, ex, 1, null, null);

                    ListShare share = new ListShare();
                    IvfIndex.ProbePlan planB = ivf.probe(b, 1, Float.POSITIVE_INFINITY, 1, 0);
                    ListTopK candidatesB = new ListTopK(b.count(), k, ex);
                    ListScan scanB = new ListScan(ivf, ivf.data(), b, planB, candidatesB);
                    assertTrue(scanB.shareable(), "one list a query");
                    share.join(scanB); // b's thread has not started: its lists wait to be claimed
                    TopK sharedA = search(ivf, a, k, ex, 1, share, null);
                    ListScan.Buffers buffersB = scanB.buffers(KERNELS);
                    assertFalse(scanB.scanNext(buffersB), "a's thread claimed every list of b");
                    share.scanJoined(scanB, buffersB);
                    candidatesB.sortInPlace(0, b.count(), buffersB.scratch());
                    SameResults.assertSame(aloneA, sharedA, "k=" + k + " a");
                    SameResults.assertSame(aloneB, candidatesB.result(), "k=" + k + " b, scanned by a's thread");
                    assertEquals(0, candidatesB.result().count(40 - 19), "the NaN query finds nothing");
                }
            }
        }
    }

    @Test
    void twoThreadsSharingTheirListsGiveEachBlockItsOwnResult() throws Exception {
        SplittableRandom random = new SplittableRandom(31);
        int dim = 40;
        float[][] rows = TestVectors.rows(random, 3001, dim);
        float[][] queries = TestVectors.rows(random, 64, dim);
        try (VectorStore store = VectorStore.copyOf("rows", rows, false)) {
            Path file = Files.createTempFile(dir, "index", ".qivf");
            new IvfBuilder(KERNELS).build(store, new KMeansParams(31, 4, 64, 0, false, 42, 2), file, null);
            try (IvfIndex ivf = IvfIndex.open(file, store, KERNELS)) {
                for (int nprobe : new int[] {1, 2}) { // at nprobe 2 a query probes two lists: each block scans alone
                    for (int round = 0; round < 20; round++) {
                        QueryBlock a = QueryBlock.of(Arrays.copyOfRange(queries, 0, 32));
                        QueryBlock b = QueryBlock.of(Arrays.copyOfRange(queries, 32, 64));
                        TopK aloneA = search(ivf, a, 50, Exclusions.NONE, nprobe, null, null);
                        TopK aloneB = search(ivf, b, 50, Exclusions.NONE, nprobe, null, null);
                        ListShare share = new ListShare();
                        CountDownLatch go = new CountDownLatch(1);
                        AtomicReference<TopK> sharedB = new AtomicReference<>();
                        Thread other = Thread.ofPlatform().start(() -> sharedB.set(
                                search(ivf, b, 50, Exclusions.NONE, nprobe, share, go)));
                        go.countDown();
                        TopK sharedA = search(ivf, a, 50, Exclusions.NONE, nprobe, share, null);
                        other.join();
                        SameResults.assertSame(aloneA, sharedA, "nprobe=" + nprobe + " round " + round + " a");
                        SameResults.assertSame(aloneB, sharedB.get(), "nprobe=" + nprobe + " round " + round + " b");
                    }
                }
            }
        }
    }

    private static TopK search(IvfIndex ivf, QueryBlock block, int k, Exclusions ex, int nprobe, ListShare share,
                               CountDownLatch go) {
        if (go != null) {
            try {
                go.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        return ivf.search(block, k, ex, SearchParams.defaults().withNprobe(nprobe).withThreads(1), share);
    }
}
