package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.store.VectorStore;
import dev.quarry.synth.BenchmarkVectors;
import dev.quarry.testing.ChildJvm;
import dev.quarry.testing.SameResults;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A search over int8 lists holds its candidates within a share of the heap by searching a large block in passes
 * of consecutive queries, and the passes give the result of one: ids and score bits, with or without every
 * probed row rescored (what {@code quarry index recall} compares against), with exclusions.
 */
class IvfInt8PassesTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();
    private static final int K = 20;
    private static final int QUERIES = 2_000;
    private static final int NPROBE = 8;

    @TempDir
    static Path data;

    private static VectorStore store;
    private static IvfIndex int8;
    private static QueryBlock block;
    private static Exclusions exclusions;

    @BeforeAll
    static void build() {
        BenchmarkVectors clustered = new BenchmarkVectors(BenchmarkVectors.Kind.CLUSTERED, 48, 7);
        clustered.write(data.resolve("corpus.qvec"), 30_000, 0, null);
        clustered.write(data.resolve("queries.qvec"), QUERIES, 30_000, null);
        store = VectorStore.open(data.resolve("corpus.qvec"));
        KMeansParams params = new KMeansParams(120, 5, 64, 0, true, 42, 2);
        new IvfBuilder(KERNELS).build(store, params, ListEncoding.INT8, data.resolve("b.qivf"), null);
        int8 = IvfIndex.open(data.resolve("b.qivf"), store, KERNELS);
        block = new QueryBlock(QUERIES, 48);
        try (VectorStore q = VectorStore.open(data.resolve("queries.qvec"))) {
            for (int i = 0; i < QUERIES; i++) {
                block.add(q.segment(), q.rowOffset(i));
            }
        }
        SplittableRandom random = new SplittableRandom(5);
        int[][] excluded = new int[QUERIES][];
        for (int i = 0; i < QUERIES; i += 3) {
            TreeSet<Integer> set = new TreeSet<>();
            while (set.size() < 4) {
                set.add(random.nextInt(30_000));
            }
            excluded[i] = set.stream().mapToInt(Integer::intValue).toArray();
        }
        exclusions = Exclusions.ofSorted(excluded);
    }

    @AfterAll
    static void close() {
        int8.close();
        store.close();
    }

    @Test
    void passesOfAnySizeGiveTheResultOfOneCall() {
        QueryBlock head = firstQueries(100);
        for (int threads : new int[] {1, 2}) {
            IvfIndex.ProbePlan plan = int8.probe(head, NPROBE, Float.POSITIVE_INFINITY, threads, 0);
            for (float oversample : new float[] {Float.POSITIVE_INFINITY, 0f, 3f}) {
                SearchParams params = SearchParams.defaults().withNprobe(NPROBE).withOversample(oversample)
                        .withThreads(threads);
                TopK one = int8.rescored(head, plan, K, exclusions, params, threads, Long.MAX_VALUE);
                for (int pass : new int[] {1, 7, 99}) {
                    // A budget that holds exactly `pass` queries of the candidates this plan can have.
                    long perQuery = (long) int8.candidateWidth(plan, head.count(), K, params)
                            * (8L * (threads + 1) + 4);
                    TopK passes = int8.rescored(head, plan, K, exclusions, params, threads, perQuery * pass);
                    SameResults.assertSame(one, passes, "threads " + threads + " oversample " + oversample
                            + " pass " + pass);
                }
            }
        }
    }

    @Test
    void aPassHoldsAsManyQueriesAsTheBudgetAndAtLeastOne() {
        assertEquals(10, CandidateRescorer.queriesPerPass(1_000, 2, 10 * 1_000L * (8 * 3 + 4)));
        assertEquals(9, CandidateRescorer.queriesPerPass(1_000, 2, 10 * 1_000L * (8 * 3 + 4) - 1));
        assertEquals(1, CandidateRescorer.queriesPerPass(1_000_000, 8, 1));
        assertEquals(Integer.MAX_VALUE, CandidateRescorer.queriesPerPass(1, 1, Long.MAX_VALUE));
    }

    @Test
    void theRangeOfAPlanHoldsThoseQueriesListsNumberedFromZero() {
        QueryBlock head = firstQueries(200);
        IvfIndex.ProbePlan whole = int8.probe(head, 3, Float.POSITIVE_INFINITY, 1, 0);
        for (int[] range : new int[][] {{0, 200}, {0, 1}, {57, 130}, {199, 200}, {80, 80}}) {
            QueryBlock part = new QueryBlock(Math.max(1, range[1] - range[0]), 48);
            float[] query = new float[48];
            for (int q = range[0]; q < range[1]; q++) {
                head.copyTo(q, query);
                part.add(query);
            }
            IvfIndex.ProbePlan expected = int8.probe(part, 3, Float.POSITIVE_INFINITY, 1, 0);
            IvfIndex.ProbePlan actual = whole.queries(range[0], range[1]);
            String where = range[0] + ".." + range[1];
            assertArrayEquals(expected.listIds(), actual.listIds(), where);
            assertArrayEquals(expected.start(), actual.start(), where);
            assertArrayEquals(expected.queryIds(), actual.queryIds(), where);
        }
    }

    /**
     * Two thousand queries with every probed row rescored, as {@code quarry index recall} compares them, in a
     * 96 MB heap: their candidates at once, each a heap of the rows of every list the block probes, would take
     * gigabytes. The child's result is the one this JVM finds in one call.
     */
    @Test
    void everyProbedRowOfTwoThousandQueriesIsRescoredInASmallHeap() throws IOException, InterruptedException {
        SearchParams params = SearchParams.defaults().withNprobe(NPROBE).withOversample(Float.POSITIVE_INFINITY)
                .withThreads(2);
        String expected = Int8SearchChild.digest(int8.rescored(block,
                int8.probe(block, NPROBE, Float.POSITIVE_INFINITY, 2, 0), K, Exclusions.NONE, params, 2,
                Long.MAX_VALUE));
        Path err = data.resolve("child.err");
        Process child = new ProcessBuilder(ChildJvm.command("96m", Int8SearchChild.class, List.of(
                data.resolve("corpus.qvec"), data.resolve("b.qivf"), data.resolve("queries.qvec"), NPROBE, K)))
                .redirectError(err.toFile()).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child did not finish");
        assertEquals(0, child.exitValue(), () -> readQuietly(err));
        assertEquals(expected, out);
    }

    private static QueryBlock firstQueries(int n) {
        QueryBlock head = new QueryBlock(n, 48);
        float[] query = new float[48];
        for (int q = 0; q < n; q++) {
            block.copyTo(q, query);
            head.add(query);
        }
        return head;
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
