package dev.quarry.bench;

import dev.quarry.index.SearchParams;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The coarse stage of an IVF search alone: scoring every centroid against searching the centroid graph,
 * for trainer-sized calls and a batch, at several nprobe and beams. For each setting: the time of a call
 * (median and p99 over the calls, after warm-up calls), and the share of the exact stage's lists the
 * setting finds (each query's nprobe best, as a set: the lists a search then scans). A call here is only
 * {@link IvfIndex#probedLists}, so the figures are what a graph saves, not a whole search.
 *
 * <p>Usage: {@code CoarseStageBenchmark --corpus C.qvec --index C.qivf --queries Q.qvec [--label NAME]
 * [--batches 1,64,1024] [--nprobe 1,4] [--ef 0,16,32,64] [--threads 2] [--calls 400] [--json OUT.jsonl]};
 * ef 0 is the index's default beam.
 */
public final class CoarseStageBenchmark {
    private CoarseStageBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path corpus = null;
        Path index = null;
        Path queriesFile = null;
        Path json = null;
        String label = "data";
        int[] batches = {1, 64, 1024};
        int[] nprobes = {1, 4};
        int[] efs = {0};
        int threads = Runtime.getRuntime().availableProcessors();
        int calls = 400;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--corpus" -> corpus = Path.of(args[++i]);
                case "--index" -> index = Path.of(args[++i]);
                case "--queries" -> queriesFile = Path.of(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                case "--label" -> label = args[++i];
                case "--batches" -> batches = ints(args[++i]);
                case "--nprobe" -> nprobes = ints(args[++i]);
                case "--ef" -> efs = ints(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--calls" -> calls = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        VectorKernels kernels = VectorKernelsProvider.get();
        try (VectorStore store = VectorStore.open(corpus); VectorStore queries = VectorStore.open(queriesFile);
             IvfIndex ivf = IvfIndex.open(index, store, kernels)) {
            int pool = (int) Math.min(4096, queries.count());
            List<String> lines = new ArrayList<>();
            for (int nprobe : nprobes) {
                SearchParams exact = new SearchParams(threads, nprobe, SearchParams.Coarse.EXACT, 0, 0);
                int[] truth = ivf.probedLists(block(queries, 0, pool), exact);
                List<SearchParams> settings = new ArrayList<>(List.of(exact));
                for (int ef : efs) {
                    if (ivf.hasGraph()) {
                        settings.add(exact.withCoarse(SearchParams.Coarse.GRAPH).withEf(ef));
                    }
                }
                settings.add(exact.withCoarse(SearchParams.Coarse.AUTO));
                for (SearchParams params : settings) {
                    double agreement = agreement(truth, ivf.probedLists(block(queries, 0, pool), params), nprobe);
                    for (int batch : batches) {
                        double[] ms = time(ivf, queries, pool, batch, params, calls);
                        String coarse = params.coarse().name().toLowerCase(Locale.ROOT);
                        int beam = params.coarse() == SearchParams.Coarse.GRAPH
                                ? (params.ef() == 0 ? ivf.defaultEf(nprobe) : Math.max(nprobe, params.ef())) : 0;
                        String line = String.format(Locale.ROOT, "{\"set\":\"%s\",\"nlist\":%d,\"coarse\":\"%s\","
                                        + "\"ef\":%d,\"nprobe\":%d,\"batch\":%d,\"threads\":%d,\"agreement\":%.4f,"
                                        + "\"p50_ms\":%.4f,\"p99_ms\":%.4f,\"us_per_query\":%.2f}", label, ivf.nlist(),
                                coarse, beam, nprobe, batch, threads, agreement, ms[0], ms[1], 1e3 * ms[0] / batch);
                        System.out.println(line);
                        System.err.printf(Locale.ROOT, "%s nlist %d %s ef %d nprobe %d batch %d: lists found %.4f,"
                                        + " p50 %.3f ms p99 %.3f ms a call (%.2f us a query)%n", label, ivf.nlist(),
                                coarse, beam, nprobe, batch, agreement, ms[0], ms[1], 1e3 * ms[0] / batch);
                        lines.add(line);
                    }
                }
            }
            if (json != null) {
                Files.writeString(json, String.join("\n", lines) + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        }
    }

    /** The share of the exact stage's lists (a set per query) that {@code found} holds. */
    private static double agreement(int[] truth, int[] found, int nprobe) {
        long same = 0;
        long all = 0;
        for (int q = 0; q < truth.length / nprobe; q++) {
            int[] want = Arrays.copyOfRange(truth, q * nprobe, (q + 1) * nprobe);
            Arrays.sort(want);
            for (int i = q * nprobe; i < (q + 1) * nprobe; i++) {
                if (truth[i] >= 0) {
                    all++;
                    same += found[i] >= 0 && Arrays.binarySearch(want, found[i]) >= 0 ? 1 : 0;
                }
            }
        }
        return (double) same / all;
    }

    /** Median and p99 of a call's milliseconds, calls cycling through the first {@code pool} queries. */
    private static double[] time(IvfIndex ivf, VectorStore queries, int pool, int batch, SearchParams params,
                                 int calls) {
        int n = Math.max(1, Math.min(calls, 20_000_000 / Math.max(1, batch * ivf.nlist() / 64)));
        QueryBlock[] blocks = new QueryBlock[Math.max(1, pool / batch)];
        for (int b = 0; b < blocks.length; b++) {
            blocks[b] = block(queries, (b * batch) % Math.max(1, pool - batch + 1), batch);
        }
        // Warm-up: at least 200 calls and 2 s, so the JIT has compiled this shape's path (on a busy machine its
        // compiler threads wait for a core too).
        long warm = System.nanoTime();
        for (int i = 0; i < 200 || System.nanoTime() - warm < 2_000_000_000L; i++) {
            ivf.probedLists(blocks[i % blocks.length], params);
        }
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            ivf.probedLists(blocks[i % blocks.length], params);
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return new double[] {ms[n / 2], ms[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)]};
    }

    private static QueryBlock block(VectorStore queries, int from, int count) {
        QueryBlock block = new QueryBlock(count, queries.dim());
        for (int q = from; q < from + count; q++) {
            block.add(queries.segment(), queries.rowOffset(q));
        }
        return block;
    }

    private static int[] ints(String list) {
        return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
