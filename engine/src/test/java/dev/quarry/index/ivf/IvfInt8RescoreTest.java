package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.index.Exclusions;
import dev.quarry.index.Recall;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.store.VectorStore;
import dev.quarry.synth.BenchmarkVectors;
import dev.quarry.testing.TestFiles;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An index with int8 lists against the float32 index built with the same seed (the same centroids and
 * lists): wherever the candidates it rescores hold the float32 index's top k, its result is that index's,
 * ids and score bits; it does not depend on threads or blocks; and its file is checked like any other.
 */
class IvfInt8RescoreTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();
    private static final int K = 50;

    @TempDir
    static Path data;

    private static VectorStore store;
    private static IvfIndex float32;
    private static IvfIndex int8;
    private static float[][] queries;
    private static int[][] excluded;

    @BeforeAll
    static void build() {
        BenchmarkVectors clustered = new BenchmarkVectors(BenchmarkVectors.Kind.CLUSTERED, 48, 7);
        clustered.write(data.resolve("corpus.qvec"), 30_000, 0, null);
        clustered.write(data.resolve("queries.qvec"), 200, 30_000, null);
        store = VectorStore.open(data.resolve("corpus.qvec"));
        KMeansParams params = new KMeansParams(120, 5, 64, 0, true, 42, 2);
        new IvfBuilder(KERNELS).build(store, params, ListEncoding.FLOAT32, data.resolve("f.qivf"), null);
        new IvfBuilder(KERNELS).build(store, params, ListEncoding.INT8, data.resolve("b.qivf"), null);
        float32 = IvfIndex.open(data.resolve("f.qivf"), store, KERNELS);
        int8 = IvfIndex.open(data.resolve("b.qivf"), store, KERNELS);
        queries = QueryFixtures.rows(data.resolve("queries.qvec"));
        excluded = QueryFixtures.excluded(queries.length, 30_000, 3);
    }

    @AfterAll
    static void close() {
        int8.close();
        float32.close();
        store.close();
    }

    @Test
    void theSameSeedGivesTheSameListsAndAQuarterOfTheVectorBytes() throws IOException {
        assertEquals(ListEncoding.INT8, int8.encoding());
        assertEquals(ListEncoding.FLOAT32, float32.encoding());
        for (int list = 0; list < float32.nlist(); list++) {
            assertEquals(float32.listSize(list), int8.listSize(list), "list " + list);
        }
        assertTrue(Arrays.equals(float32.centroids(), int8.centroids()));
        long vectors = 4L * 48 * 30_000;
        long saved = Files.size(data.resolve("f.qivf")) - Files.size(data.resolve("b.qivf"));
        assertTrue(saved > vectors * 3 / 4 - 64 * 48 && saved < vectors, "saved " + saved + " bytes of " + vectors);
        assertTrue(int8.describe().contains("int8"), int8.describe());
    }

    @Test
    void wheneverTheRescoredCandidatesHoldTheFloatTopKTheResultIsTheFloatIndexs() {
        QueryBlock block = QueryBlock.of(queries);
        Exclusions exclusions = Exclusions.ofSorted(excluded);
        for (int nprobe : new int[] {1, 4}) {
            for (float oversample : new float[] {1f, 1.2f, 0f}) {
                SearchParams params = SearchParams.defaults().withNprobe(nprobe).withOversample(oversample);
                TopK expected = float32.search(block, K, exclusions, params);
                TopK actual = int8.search(block, K, exclusions, params);
                IvfIndex.Candidates candidates = int8.candidates(block, K, exclusions, params);
                int held = 0;
                for (int q = 0; q < queries.length; q++) {
                    String where = "nprobe " + nprobe + " oversample " + oversample + " query " + q;
                    if (RescoredAnswers.check(expected, actual, candidates, q, queries[q], store, where)) {
                        held++;
                    }
                }
                // At the default, the margin keeps the float32 top k for nearly every query (so the check above is
                // not vacuous); with exactly k candidates (oversample 1) a third of the queries lose a row or more.
                if (oversample == 0f) {
                    assertTrue(held >= queries.length * 95 / 100, "held for " + held + " of " + queries.length
                            + ", " + params);
                }
            }
        }
    }

    @Test
    void recallAgainstTheFloatIndexCostsLittleAtTheDefaultOversample() {
        QueryBlock block = QueryBlock.of(queries);
        for (int nprobe : new int[] {1, 8}) {
            SearchParams params = SearchParams.defaults().withNprobe(nprobe);
            double recall = Recall.of(float32.search(block, K, Exclusions.NONE, params),
                    int8.search(block, K, Exclusions.NONE, params));
            assertTrue(recall >= 0.995, "recall@" + K + " against the float32 index at nprobe " + nprobe + ": " + recall);
        }
    }

    @Test
    void theResultDoesNotDependOnThreadsOrOnTheBlockAQueryIsIn() {
        SearchParams params = SearchParams.defaults().withNprobe(3);
        TopK one = int8.search(QueryBlock.of(queries), K, Exclusions.ofSorted(excluded), params);
        for (int threads : new int[] {2, 3}) {
            TopK many = int8.search(QueryBlock.of(queries), K, Exclusions.ofSorted(excluded), params.withThreads(threads));
            for (int q = 0; q < queries.length; q++) {
                assertEquals(one.count(q), many.count(q));
                for (int r = 0; r < one.count(q); r++) {
                    assertEquals(one.id(q, r), many.id(q, r), "threads " + threads + " query " + q);
                    assertEquals(one.score(q, r), many.score(q, r));
                }
            }
        }
        for (int q = 0; q < 20; q++) {
            int[][] own = {excluded[q]};
            TopK alone = int8.search(QueryBlock.of(new float[][] {queries[q]}), K, Exclusions.ofSorted(own), params);
            for (int r = 0; r < one.count(q); r++) {
                assertEquals(one.id(q, r), alone.id(0, r), "query " + q + " alone");
            }
        }
    }

    @Test
    void aCorruptQuantizerOrAnEncodingItsVersionDoesNotHaveIsRefused(@TempDir Path dir) throws IOException {
        Path file = data.resolve("b.qivf");
        IvfHeader h = IvfHeader.decode(file, java.nio.ByteBuffer.wrap(Files.readAllBytes(file)), Files.size(file), "");
        assertEquals(5, h.version(), "an index with int8 lists is version 5");
        Path step = Files.copy(file, dir.resolve("step.qivf"));
        TestFiles.poke(step, h.quantizerAt() + 4L * 48 + 3, 0xff); // the first step's sign and exponent: NaN
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(step, store, KERNELS));
        assertTrue(e.getMessage().startsWith(step + ": footer checksum="), "the body checksum first: "
                + e.getMessage());
        IvfTestFiles.reseal(step);
        e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(step, store, KERNELS));
        assertTrue(e.getMessage().startsWith(step + ": quantizer[0]="), e.getMessage());

        Path version = Files.copy(file, dir.resolve("version.qivf"));
        TestFiles.poke(version, 4, 4); // version 4 knows no list encoding
        IvfTestFiles.reseal(version);
        e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(version, store, KERNELS));
        assertTrue(e.getMessage().startsWith(version + ": list encoding=1, expected 0 (float32) in a version 4"
                + " index"), e.getMessage());
    }
}
