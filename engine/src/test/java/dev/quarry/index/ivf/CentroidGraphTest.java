package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestFiles;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The centroid graph: its shape (bounded degree, no self or repeated edges, every centroid reachable from
 * the entry, the same graph for any thread count), and the coarse stage it gives: with a beam of every
 * centroid, exactly the lists the exact stage picks; with the default beam, nearly always on data with
 * structure (low-dimensional rows, Euclidean and spherical).
 */
class CentroidGraphTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    @TempDir
    static Path dir;

    private static VectorStore store;
    private static IvfIndex euclidean;
    private static IvfIndex spherical;
    private static float[][] queries;

    @BeforeAll
    static void build() {
        SplittableRandom random = new SplittableRandom(5);
        float[][] rows = TestVectors.rows(random, 40_000, 12);
        store = VectorStore.copyOf("rows", rows, false);
        int nlist = 2 * CentroidGraph.FROM_NLIST; // large enough that a graph search pays for one query
        new IvfBuilder(KERNELS).build(store, new KMeansParams(nlist, 3, 16, 0, false, 1, 2), dir.resolve("e.qivf"),
                null);
        new IvfBuilder(KERNELS).build(store, new KMeansParams(nlist, 3, 16, 0, true, 1, 2), dir.resolve("s.qivf"),
                null);
        euclidean = IvfIndex.open(dir.resolve("e.qivf"), store, KERNELS);
        spherical = IvfIndex.open(dir.resolve("s.qivf"), store, KERNELS);
        queries = TestVectors.rows(random, 300, 12);
    }

    @AfterAll
    static void close() {
        euclidean.close();
        spherical.close();
        store.close();
    }

    @Test
    void everyCentroidIsReachableFromTheEntryThroughBoundedDistinctEdges() {
        for (boolean sph : new boolean[] {false, true}) {
            CentroidGraph g = graph(sph ? spherical : euclidean, 2);
            boolean[] reached = new boolean[g.nlist()];
            ArrayDeque<Integer> queue = new ArrayDeque<>();
            queue.add(g.entry());
            reached[g.entry()] = true;
            int count = 1;
            while (!queue.isEmpty()) {
                int n = queue.poll();
                int[] edges = g.edges(n);
                assertEquals(CentroidGraph.DEGREE, edges.length);
                int distinct = (int) Arrays.stream(edges).filter(e -> e >= 0).distinct().count();
                assertEquals(Arrays.stream(edges).filter(e -> e >= 0).count(), distinct, "repeated edge at " + n);
                for (int e : edges) {
                    assertTrue(e != n, "self edge at " + n);
                    if (e >= 0 && !reached[e]) {
                        reached[e] = true;
                        count++;
                        queue.add(e);
                    }
                }
            }
            assertEquals(g.nlist(), count, "centroids reachable from the entry");
        }
    }

    @Test
    void theIndexStoresTheGraphOfItsCentroidsAndWhatItsBuildMeasured() {
        for (IvfIndex index : new IvfIndex[] {euclidean, spherical}) {
            CentroidGraph stored = index.storedGraph();
            assertTrue(Arrays.equals(graph(index, 2).edges(), stored.edges()), "the stored edges are the graph's");
            CentroidGraph.Quality q = stored.quality();
            assertEquals(2000, q.rows());
            assertTrue(q.beam() > 0 && q.agreement() >= CentroidGraph.AGREEMENT, q.toString());
            assertTrue(q.scored() > 0 && q.scored() < index.nlist(), q.toString());
            assertEquals(Math.max(8, q.beam()), index.defaultEf(4));
        }
    }

    @Test
    void aCorruptGraphIsRefusedAndAnIndexWithoutOneSaysSoWhenAskedForIt(@TempDir Path tmp) throws IOException {
        Path file = dir.resolve("e.qivf");
        IvfHeader h = IvfHeader.decode(file, ByteBuffer.wrap(Files.readAllBytes(file)), Files.size(file), "");
        assertEquals(5, h.version(), "an index with a graph is version 5");
        Path edge = Files.copy(file, tmp.resolve("edge.qivf"));
        TestFiles.poke(edge, h.graphAt() + IvfHeader.GRAPH_HEAD + 4L * 7 + 3, 0x7f); // edge 7: a huge centroid
        IvfTestFiles.reseal(edge); // past the body checksum, to the graph's own check
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(edge, store, KERNELS));
        assertTrue(e.getMessage().startsWith(edge + ": graph edge[7]="), e.getMessage());

        Path small = tmp.resolve("small.qivf");
        new IvfBuilder(KERNELS).build(store, new KMeansParams(100, 2, 16, 0, false, 1, 2), small, null);
        try (IvfIndex none = IvfIndex.open(small, store, KERNELS)) {
            assertTrue(!none.hasGraph());
            QuarryUsageException u = assertThrows(QuarryUsageException.class, () -> none.search(
                    QueryBlock.of(queries[0]), 5, Exclusions.NONE,
                    SearchParams.defaults().withCoarse(SearchParams.Coarse.GRAPH)));
            assertTrue(u.getMessage().startsWith("coarse=graph, expected an index with a centroid graph"),
                    u.getMessage());
        }
    }

    @Test
    void reassigningRowsKeepsTheGraphOfTheUnchangedCentroids(@TempDir Path tmp) {
        Path again = tmp.resolve("again.qivf");
        new IvfBuilder(KERNELS).reassign(store, euclidean, 2, again, null);
        try (IvfIndex reassigned = IvfIndex.open(again, store, KERNELS)) {
            assertTrue(Arrays.equals(euclidean.storedGraph().edges(), reassigned.storedGraph().edges()));
            assertEquals(euclidean.storedGraph().quality(), reassigned.storedGraph().quality());
        }
    }

    @Test
    void autoTakesTheGraphForASingleQueryWhereItScoresFewCentroidsAndTheExactStageForABlock() {
        SearchParams auto = SearchParams.defaults().withNprobe(1);
        CentroidGraph.Quality q = euclidean.storedGraph().quality();
        assertTrue(q.scored() * IvfIndex.GRAPH_VISIT < euclidean.nlist(), "the test index's graph pays: " + q);
        assertEquals(euclidean.defaultEf(1), euclidean.beam(auto, 1, 1), "one query: the graph, at its beam");
        assertEquals(0, euclidean.beam(auto, 64, 1), "64 queries: every centroid, in the block kernel");
        assertEquals(0, euclidean.beam(auto.withCoarse(SearchParams.Coarse.EXACT), 1, 1), "exact when asked");
        assertTrue(euclidean.beam(auto.withCoarse(SearchParams.Coarse.GRAPH), 64, 1) > 0, "the graph when asked");
        QueryBlock one = QueryBlock.of(queries[7]);
        assertSameResults(euclidean.search(one, 20, Exclusions.NONE, auto.withCoarse(SearchParams.Coarse.GRAPH)),
                euclidean.search(one, 20, Exclusions.NONE, auto), "auto, one query");
    }

    @Test
    void theGraphIsTheSameForAnyThreadCount() {
        assertTrue(Arrays.equals(graph(euclidean, 1).edges(), graph(euclidean, 3).edges()));
        assertEquals(graph(euclidean, 1).entry(), graph(euclidean, 3).entry());
    }

    @Test
    void aBeamOfEveryCentroidPicksTheExactStagesListsAndResults() {
        for (IvfIndex index : new IvfIndex[] {euclidean, spherical}) {
            for (int nprobe : new int[] {1, 5}) {
                SearchParams exact = SearchParams.defaults().withNprobe(nprobe).withCoarse(SearchParams.Coarse.EXACT);
                SearchParams graph = exact.withCoarse(SearchParams.Coarse.GRAPH).withEf(index.nlist());
                for (int n : new int[] {1, 3, 64, 300}) {
                    QueryBlock block = QueryBlock.of(Arrays.copyOf(queries, n));
                    assertSameResults(index.search(block, 20, Exclusions.NONE, exact),
                            index.search(block, 20, Exclusions.NONE, graph.withThreads(2)), "n=" + n);
                }
            }
        }
    }

    @Test
    void theDefaultBeamFindsTheExactListsOnLowDimensionalData() {
        for (IvfIndex index : new IvfIndex[] {euclidean, spherical}) {
            QueryBlock block = QueryBlock.of(queries);
            SearchParams exact = SearchParams.defaults().withNprobe(4).withCoarse(SearchParams.Coarse.EXACT);
            int[] expected = index.bestLists(block, 4, Float.POSITIVE_INFINITY, 1).lists();
            int[] found = index.graphLists(block, 4, Float.POSITIVE_INFINITY, index.defaultEf(4), 1).lists();
            int same = 0;
            for (int q = 0; q < queries.length; q++) { // the lists probed: a set per query
                int[] want = Arrays.copyOfRange(expected, 4 * q, 4 * q + 4);
                Arrays.sort(want);
                for (int i = 4 * q; i < 4 * q + 4; i++) {
                    same += Arrays.binarySearch(want, found[i]) >= 0 ? 1 : 0;
                }
            }
            assertTrue(same >= expected.length * 98 / 100, same + " of " + expected.length + " lists as the exact stage");
            assertTrue(exact.nprobe() == 4);
        }
    }

    private static CentroidGraph graph(IvfIndex index, int threads) {
        try (Arena arena = Arena.ofShared()) {
            CentroidScorer scorer = CentroidScorer.of(KERNELS, index.centroids(), index.nlist(), index.dim(),
                    !index.spherical(), arena);
            return CentroidGraph.build(KERNELS, scorer, index.centroids(), index.nlist(), index.dim(), threads);
        }
    }

    private static void assertSameResults(TopK expected, TopK actual, String where) {
        for (int q = 0; q < expected.queries(); q++) {
            assertEquals(expected.count(q), actual.count(q), where + " q=" + q);
            for (int r = 0; r < expected.count(q); r++) {
                assertEquals(expected.id(q, r), actual.id(q, r), where + " q=" + q + " rank " + r);
                assertEquals(Float.floatToIntBits(expected.score(q, r)), Float.floatToIntBits(actual.score(q, r)));
            }
        }
    }
}
