package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.quarry.testing.SameResults.assertSame;

import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.index.Exclusions;
import dev.quarry.index.Recall;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.store.VectorStore;
import dev.quarry.synth.BenchmarkVectors;
import dev.quarry.testing.TestFiles;
import dev.quarry.vector.FastScanLayout;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.ScalarFastScanKernel;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An index with pq4 lists against the float32 index built with the same seed (the same centroids and lists):
 * with every probed row rescored its result is the float32 index's, ids and score bits, and so wherever the
 * rescored candidates hold that index's top k; every score returned is exact; the SIMD fast-scan path keeps
 * the oracle's candidates whatever the threads; and damaged files or settings are refused by name.
 */
class IvfPq4IndexTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();
    private static final int K = 50;
    private static final int DIM = 48;
    private static final int COUNT = 30_000;

    @TempDir
    static Path data;

    private static VectorStore store;
    private static IvfIndex float32;
    private static IvfIndex pq4;
    private static float[][] queries;
    private static int[][] excluded;

    @BeforeAll
    static void build() {
        BenchmarkVectors clustered = new BenchmarkVectors(BenchmarkVectors.Kind.CLUSTERED, DIM, 7);
        clustered.write(data.resolve("corpus.qvec"), COUNT, 0, null);
        clustered.write(data.resolve("queries.qvec"), 200, COUNT, null);
        store = VectorStore.open(data.resolve("corpus.qvec"));
        KMeansParams params = new KMeansParams(120, 5, 64, 0, true, 42, 2);
        new IvfBuilder(KERNELS).build(store, params, ListEncoding.FLOAT32, data.resolve("f.qivf"), null);
        new IvfBuilder(KERNELS).build(store, params, ListEncoding.PQ4, data.resolve("p.qivf"), null);
        float32 = IvfIndex.open(data.resolve("f.qivf"), store, KERNELS);
        pq4 = IvfIndex.open(data.resolve("p.qivf"), store, KERNELS);
        queries = QueryFixtures.rows(data.resolve("queries.qvec"));
        excluded = QueryFixtures.excluded(queries.length, COUNT, 3);
    }

    @AfterAll
    static void close() {
        pq4.close();
        float32.close();
        store.close();
    }

    @Test
    void theSameSeedGivesTheSameListsInHalfAByteASubspace() throws IOException {
        assertEquals(ListEncoding.PQ4, pq4.encoding());
        assertEquals(DIM / 4, pq4.pqSubspaces(), "the default: 4 components a sub-space");
        assertTrue(Arrays.equals(float32.centroids(), pq4.centroids()));
        for (int list = 0; list < float32.nlist(); list++) {
            assertEquals(float32.listSize(list), pq4.listSize(list), "list " + list);
        }
        // 6 bytes a row (12 sub-spaces), rows padded to blocks of 32 per list, against 192 bytes of float32.
        long saved = Files.size(data.resolve("f.qivf")) - Files.size(data.resolve("p.qivf"));
        long vectors = 4L * DIM * COUNT;
        assertTrue(saved > vectors * 9 / 10 && saved < vectors, "saved " + saved + " bytes of " + vectors);
        assertTrue(pq4.describe().contains("pq4 m=12"), pq4.describe());
        assertFalse(pq4.searchesRows(SearchParams.defaults()), "a super-block search needs float32 lists");
        Path file = data.resolve("p.qivf");
        IvfHeader h = IvfHeader.decode(file, ByteBuffer.wrap(Files.readAllBytes(file)), Files.size(file), "");
        assertEquals(IvfHeader.VERSION_PQ, h.version());
    }

    @Test
    void aRowsOrdinalReadAloneIsTheOneItsListsOrdinalsHold() {
        int[] ordinals = new int[COUNT];
        int rows = 0;
        for (int list = 0; list < pq4.nlist(); list++) {
            pq4.copyOrdinals(list, ordinals);
            for (int r = 0; r < pq4.listSize(list); r++) {
                assertEquals(ordinals[r], pq4.ordinal(list, r), "list=" + list + " row=" + r);
            }
            rows += pq4.listSize(list);
        }
        assertEquals(COUNT, rows, "every row in one list");
    }

    @Test
    void everyProbedRowRescoredGivesTheFloatIndexsIdsAndScoreBits() {
        QueryBlock block = QueryBlock.of(queries);
        Exclusions exclusions = Exclusions.ofSorted(excluded);
        for (int nprobe : new int[] {1, 4}) {
            SearchParams params = SearchParams.defaults().withNprobe(nprobe).withOversample(Float.POSITIVE_INFINITY);
            assertSame(float32.search(block, K, exclusions, params), pq4.search(block, K, exclusions, params),
                    "nprobe " + nprobe);
        }
    }

    @Test
    void wheneverTheRescoredCandidatesHoldTheFloatTopKTheResultIsTheFloatIndexs() {
        QueryBlock block = QueryBlock.of(queries);
        Exclusions exclusions = Exclusions.ofSorted(excluded);
        for (float oversample : new float[] {0f, 1f}) {
            SearchParams params = SearchParams.defaults().withNprobe(4).withOversample(oversample);
            TopK expected = float32.search(block, K, exclusions, params);
            TopK actual = pq4.search(block, K, exclusions, params);
            IvfIndex.Candidates candidates = pq4.candidates(block, K, exclusions, params);
            int held = 0;
            for (int q = 0; q < queries.length; q++) {
                String where = "oversample " + oversample + " query " + q;
                assertEquals(candidates.approximate().count(q), candidates.kept()[q], where + ": all rescored");
                assertTrue(candidates.kept()[q] <= (oversample == 0f ? IvfIndex.PQ_DEFAULT_MIN : K), where);
                if (RescoredAnswers.check(expected, actual, candidates, q, queries[q], store, where)) {
                    held++;
                }
            }
            // So the check above is not vacuous: on this synthetic set (many rows of a cluster nearly tied) the
            // default R holds the whole float32 top 50 for 27 of the 200 queries.
            if (oversample == 0f) {
                assertTrue(held >= queries.length / 10, "held for " + held + " of " + queries.length);
            }
        }
    }

    @Test
    void recallAgainstTheFloatIndexAtTheDefaultR() {
        QueryBlock block = QueryBlock.of(queries);
        SearchParams params = SearchParams.defaults().withNprobe(4);
        double recall = Recall.of(float32.search(block, K, Exclusions.NONE, params),
                pq4.search(block, K, Exclusions.NONE, params));
        assertTrue(recall >= 0.95, "recall@" + K + " against the float32 index: " + recall);
    }

    @Test
    void theSimdScanKeepsTheOraclesCandidatesWhateverTheThreadsOrBlock() {
        QueryBlock block = QueryBlock.of(queries);
        Exclusions exclusions = Exclusions.ofSorted(excluded);
        // nprobe 8: about 400k row-queries, above PqListScan.SPLIT_FROM, so 2 threads split the lists.
        IvfIndex.ProbePlan plan = pq4.probe(block, 8, Float.POSITIVE_INFINITY, 1, 0);
        PqCodebook codebook = PqCodebook.read(data.resolve("p.qivf"), pq4.data(), header().quantizerAt(), DIM,
                pq4.pqSubspaces());
        TopK oracle = PqListScan.candidates(pq4, codebook, new ScalarFastScanKernel(), pq4.data(), block, plan, 300,
                exclusions, 1);
        for (int threads : new int[] {1, 2}) {
            TopK simd = PqListScan.candidates(pq4, codebook, VectorKernelsProvider.fastScan(), pq4.data(), block, plan,
                    300, exclusions, threads);
            assertSame(oracle, simd, VectorKernelsProvider.fastScan().description() + ", threads " + threads);
        }
        SearchParams params = SearchParams.defaults().withNprobe(8);
        TopK all = pq4.search(block, K, exclusions, params);
        assertSame(all, pq4.search(block, K, exclusions, params.withThreads(2)), "threads 2");
        for (int q = 0; q < 10; q++) {
            int[][] own = {excluded[q]};
            TopK alone = pq4.search(QueryBlock.of(new float[][] {queries[q]}), K, Exclusions.ofSorted(own), params);
            assertEquals(all.count(q), alone.count(0));
            for (int r = 0; r < all.count(q); r++) {
                assertEquals(all.id(q, r), alone.id(0, r), "query " + q + " alone, rank " + r);
            }
        }
    }

    @Test
    void aDamagedCodebookOrHeaderIsRefusedByName(@TempDir Path dir) throws IOException {
        Path file = data.resolve("p.qivf");
        IvfHeader h = header();
        Path entry = Files.copy(file, dir.resolve("entry.qivf"));
        TestFiles.poke(entry, h.quantizerAt() + 3, 0xff);
        TestFiles.poke(entry, h.quantizerAt() + 2, 0xff); // the first centroid's bits: NaN
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(entry, store, KERNELS));
        assertTrue(e.getMessage().startsWith(entry + ": footer checksum="), "the body checksum first: " + e.getMessage());
        IvfTestFiles.reseal(entry);
        e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(entry, store, KERNELS));
        assertTrue(e.getMessage().startsWith(entry + ": pq codebook[0]=NaN, expected a finite float"), e.getMessage());

        Path subspaces = Files.copy(file, dir.resolve("subspaces.qivf"));
        TestFiles.poke(subspaces, 72, 5); // 5 does not divide 48
        IvfTestFiles.reseal(subspaces);
        e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(subspaces, store, KERNELS));
        assertTrue(e.getMessage().startsWith(subspaces + ": subspaces=5, expected a divisor of dim=48"), e.getMessage());

        Path version = Files.copy(file, dir.resolve("version.qivf"));
        TestFiles.poke(version, 4, 5); // version 5 knows no pq4 lists
        IvfTestFiles.reseal(version);
        e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(version, store, KERNELS));
        assertTrue(e.getMessage().startsWith(version + ": list encoding=2, expected 0 (float32) or 1 (int8) in a"
                + " version 5 index"), e.getMessage());
    }

    @Test
    void subspacesThatDoNotSplitTheDimAreRefusedBeforeTraining(@TempDir Path dir) {
        QuarryUsageException e = assertThrows(QuarryUsageException.class, () -> new IvfBuilder(KERNELS, 7)
                .build(store, new KMeansParams(8, 2, 64, 0, true, 42, 2), ListEncoding.PQ4, dir.resolve("x.qivf"), null));
        assertTrue(e.getMessage().contains("pq-subspaces") && e.getMessage().contains("a divisor of dim=48"),
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("x.qivf")));
    }

    @Test
    void theDefaultSubspacesHoldTheDivisorOfDimNearestFourComponents() {
        assertEquals(96, PqCodebook.defaultSubspaces(384));
        assertEquals(12, PqCodebook.defaultSubspaces(48));
        assertEquals(5, PqCodebook.defaultSubspaces(15)); // 3 components (3 and 5 tie: the smaller)
        assertEquals(13, PqCodebook.defaultSubspaces(13)); // a prime: one component a sub-space, never padded
        assertEquals(1, PqCodebook.defaultSubspaces(1));
        assertEquals(FastScanLayout.paddedSubspaces(96), 96);
    }

    private static IvfHeader header() {
        try {
            Path file = data.resolve("p.qivf");
            return IvfHeader.decode(file, ByteBuffer.wrap(Files.readAllBytes(file)), Files.size(file), "");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
