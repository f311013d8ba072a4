package dev.quarry.bench.peers;

import io.github.jbellis.jvector.graph.GraphIndexBuilder;
import io.github.jbellis.jvector.graph.GraphSearcher;
import io.github.jbellis.jvector.graph.ImmutableGraphIndex;
import io.github.jbellis.jvector.graph.ListRandomAccessVectorValues;
import io.github.jbellis.jvector.graph.RandomAccessVectorValues;
import io.github.jbellis.jvector.graph.SearchResult;
import io.github.jbellis.jvector.graph.similarity.BuildScoreProvider;
import io.github.jbellis.jvector.graph.similarity.DefaultSearchScoreProvider;
import io.github.jbellis.jvector.management.GraphIndexBuilderConfig;
import io.github.jbellis.jvector.util.Bits;
import io.github.jbellis.jvector.vector.VectorSimilarityFunction;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ForkJoinPool;

/**
 * JVector's graph index (DiskANN/Vamana with an HNSW-style hierarchy), in memory, as its tutorial
 * builds it: exact scores from the rows ({@code randomAccessScoreProvider}), M = maximum degree (since
 * JVector 3, twice Lucene's and hnswlib's M for the same graph), neighbour overflow 1.2, alpha 1.2,
 * hierarchy and final refinement on (JVector's defaults). The build runs on
 * {@code --threads} threads (both of JVector's pools are given that many, rather than its
 * physical-core guess), and is timed. Searches use one {@link GraphSearcher} per thread (they are not
 * thread-safe) over queries shared across threads; each {@code --jvector-ef} value is the beam width
 * ({@code rerankK}), one configuration each.
 */
public final class JVectorGraphContender implements Contender {
    private static final float NEIGHBOR_OVERFLOW = 1.2f;
    private static final float ALPHA = 1.2f;
    private static final VectorSimilarityFunction SIMILARITY = VectorSimilarityFunction.DOT_PRODUCT;

    @Override
    public String simd() {
        return JVectorVectors.provider();
    }

    @Override
    public void run(PeerData data, PeerOptions options, Sink sink) throws IOException {
        List<VectorFloat<?>> rows = JVectorVectors.of(data.corpusOnHeap());
        List<VectorFloat<?>> queries = JVectorVectors.of(data.queriesOnHeap());
        RandomAccessVectorValues ravv = new ListRandomAccessVectorValues(rows, data.dim());
        // The builder API (the long constructors are deprecated in 4.x) takes hierarchy and refinement from
        // JVector's managed config, both on by default, as in its tutorial: report what it will use.
        GraphIndexBuilderConfig managed = GraphIndexBuilderConfig.getInstance();
        String build = String.format(Locale.ROOT, "M=%d efConstruction=%d overflow=%.1f alpha=%.1f hierarchy=%b "
                        + "refine=%b", options.jvectorM(), options.jvectorEfConstruction(), NEIGHBOR_OVERFLOW, ALPHA,
                managed.isAddHierarchy(), managed.isRefineFinalGraph());
        ImmutableGraphIndex graph;
        double buildSeconds;
        long start = System.nanoTime();
        try (ForkJoinPool simd = new ForkJoinPool(options.threads());
             ForkJoinPool parallel = new ForkJoinPool(options.threads());
             GraphIndexBuilder builder = GraphIndexBuilder.builder(BuildScoreProvider.randomAccessScoreProvider(ravv,
                             SIMILARITY), data.dim(), options.jvectorM())
                     .withBeamWidth(options.jvectorEfConstruction()).withNeighborOverflow(NEIGHBOR_OVERFLOW)
                     .withAlpha(ALPHA).withSimdExecutor(simd).withParallelExecutor(parallel).build()) {
            graph = builder.build(ravv); // closing the builder only frees its build-time searchers
            buildSeconds = (System.nanoTime() - start) / 1e9;
            System.err.printf(Locale.ROOT, "jvector-graph: built %s on %,d rows in %.1f s, %d threads%n", build,
                    data.rows(), buildSeconds, options.threads());
        }
        int nq = data.queryCount();
        int k = options.k();
        GraphSearcher[] searchers = new GraphSearcher[options.threads()];
        for (int t = 0; t < searchers.length; t++) {
            searchers[t] = new GraphSearcher(graph);
        }
        try (QueryThreads threads = new QueryThreads(options.threads())) {
            for (int ef : options.jvectorEfs()) {
                int[] ids = new int[nq * k];
                String config = "M=" + options.jvectorM() + " ef=" + ef;
                double[] seconds = TimedPasses.run("jvector-graph " + config, nq, options.runs(),
                        () -> threads.run(nq, 1, (worker, from, to) -> {
                            for (int q = from; q < to; q++) {
                                var score = DefaultSearchScoreProvider.exact(queries.get(q), SIMILARITY, ravv);
                                SearchResult result = searchers[worker].search(score, k, ef, 0f, 0f, Bits.ALL);
                                copy(result, ids, q * k, k);
                            }
                        }));
                sink.accept(new Measurement(config, build + " threads=" + options.threads() + " rerankK=" + ef,
                        seconds, buildSeconds, null, ids));
            }
        } finally {
            for (GraphSearcher s : searchers) {
                close(s);
            }
        }
    }

    /** The result's nodes (best first, as JVector returns them) into {@code ids[offset, offset + k)}, -1 padded. */
    private static void copy(SearchResult result, int[] ids, int offset, int k) {
        SearchResult.NodeScore[] nodes = result.getNodes();
        int n = Math.min(k, nodes.length);
        for (int i = 0; i < n; i++) {
            ids[offset + i] = nodes[i].node;
        }
        Arrays.fill(ids, offset + n, offset + k, -1);
    }

    private static void close(GraphSearcher searcher) {
        try {
            searcher.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
