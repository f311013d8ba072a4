package dev.quarry.bench.latency;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The ways of searching one thread's share of a trainer's call side by side, in one JVM, taking turns on the
 * same blocks so a burst of load slows them alike: float32 lists with the exact coarse stage, int8 lists
 * (rescored in float32, oversample 2 and 1) and float32 lists through the centroid graph, each with its
 * recall@100 against exact search on 256 queries and the percentiles of its search time.
 *
 * <p>Usage: {@code SearchWays CORPUS.qvec QUERIES.qvec FLOAT32.qivf INT8.qivf [BLOCK=32] [SECONDS=40]
 * [NPROBE=1]}; the two indexes built over the same corpus.
 */
public final class SearchWays {
    private SearchWays() {
    }

    public static void main(String[] a) {
        VectorKernels k = VectorKernelsProvider.get();
        k.warmUp();
        int n = a.length > 4 ? Integer.parseInt(a[4]) : 32;
        long seconds = a.length > 5 ? Long.parseLong(a[5]) : 40;
        int nprobe = a.length > 6 ? Integer.parseInt(a[6]) : 1;
        try (VectorStore corpus = VectorStore.open(Path.of(a[0])); VectorStore queries = VectorStore.open(Path.of(a[1]));
             IvfIndex f32 = IvfIndex.open(Path.of(a[2]), corpus, k);
             IvfIndex i8 = IvfIndex.open(Path.of(a[3]), corpus, k)) {
            int pool = (int) Math.min(4096, queries.count());
            float[][] qs = new float[pool][queries.dim()];
            for (int i = 0; i < pool; i++) {
                queries.copyRow(i, qs[i]);
            }
            SearchParams exact = SearchParams.defaults().withNprobe(nprobe).withThreads(1)
                    .withCoarse(SearchParams.Coarse.EXACT);
            IvfIndex[] index = {f32, i8, i8, f32};
            SearchParams[] params = {exact, exact, exact.withOversample(1), exact.withCoarse(SearchParams.Coarse.GRAPH)};
            String[] names = {"float32", "int8 x2", "int8 x1", "float32 graph"};
            QueryBlock probe = QueryBlock.of(Arrays.copyOf(qs, 256));
            TopK truth = new FlatIndex(corpus, k).search(probe, 100, Exclusions.NONE,
                    SearchParams.defaults().withThreads(Runtime.getRuntime().availableProcessors()));
            double[] recall = new double[names.length];
            for (int v = 0; v < names.length; v++) {
                TopK found = index[v].search(probe, 100, Exclusions.NONE, params[v]);
                double hits = 0;
                for (int q = 0; q < 256; q++) {
                    Set<Integer> best = new HashSet<>();
                    for (int r = 0; r < 100; r++) {
                        best.add(truth.id(q, r));
                    }
                    for (int r = 0; r < found.count(q); r++) {
                        hits += best.contains(found.id(q, r)) ? 1 : 0;
                    }
                }
                recall[v] = hits / (256 * 100.0);
            }
            List<List<Long>> times = new ArrayList<>();
            for (String ignored : names) {
                times.add(new ArrayList<>());
            }
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long sink = 0;
            for (int r = 0; System.nanoTime() < end; r++) {
                int from = r % (pool / n) * n;
                QueryBlock block = QueryBlock.of(Arrays.copyOfRange(qs, from, from + n));
                for (int j = 0; j < names.length; j++) {
                    int v = (j + r) % names.length; // take turns
                    long t = System.nanoTime();
                    sink += index[v].search(block, 100, Exclusions.NONE, params[v]).id(0, 0);
                    if (r >= 20) {
                        times.get(v).add(System.nanoTime() - t);
                    }
                }
            }
            System.err.println("sink " + sink);
            for (int v = 0; v < names.length; v++) {
                List<Long> l = times.get(v);
                l.sort(null);
                System.out.printf(Locale.ROOT, "%-14s block %d nprobe %d recall@100 %.4f: %d searches, p50 %.3f p90 %.3f"
                                + " p99 %.3f ms%n", names[v], n, nprobe, recall[v], l.size(), l.get(l.size() / 2) / 1e6,
                        l.get(l.size() * 9 / 10) / 1e6, l.get(l.size() * 99 / 100) / 1e6);
            }
        }
    }
}
