package dev.quarry.bench.latency;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.ListEncoding;
import dev.quarry.mining.Miner;
import dev.quarry.mining.MinerPreset;
import dev.quarry.mining.MiningConfig;
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
 * Trainer-call latency of {@link Miner}: batches of anchors mined end to end (search, filters,
 * sampling) against a flat or IVF index, for a sweep of batch sizes and nprobe, closed loop and at
 * fixed rates, with percentiles from HdrHistogram, the bytes allocated per call, and each nprobe's
 * recall@100 against exact search. With {@code --first-call}, a fresh JVM measures how long building
 * (warming up) a miner takes and what its first call costs, then exits; {@code --preset latency} builds it
 * as a trainer's miner ({@link MinerPreset#LATENCY}; {@code --nprobe 0} lets the preset choose), and
 * {@code --steady N} then times N more calls in the same JVM, closed loop, for the first call against their p50.
 *
 * <p>Usage: {@code LatencyBenchmark --corpus C.qvec --queries Q.qvec [--index C.qivf] [--label NAME]
 * [--batches 1,8,64,256] [--nprobe 1,2,4,8] [--threads 2] [--calls 2000] [--rates 0.5,0.8]
 * [--recall 500] [--first-call] [--preload] [--preset latency] [--steady N] [--coarse auto|exact|graph] [--ef N] [--oversample F]
 * [--json OUT.jsonl] [--os-counters DIR]}; {@code --os-counters} writes, for each fixed-rate series of 16 anchors or
 * more, one CSV line per call with what the machine did meanwhile ({@link OsCounters}).
 */
public final class LatencyBenchmark {
    private static final int K = 100;
    private static final int POOL = 4096;

    private LatencyBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Options o = Options.parse(args);
        VectorKernels kernels = VectorKernelsProvider.get();
        try (VectorStore corpus = VectorStore.open(o.corpus); VectorStore queries = VectorStore.open(o.queries);
             VectorIndex index = o.index == null ? new FlatIndex(corpus, kernels) : IvfIndex.open(o.index, corpus,
                     kernels)) {
            int pool = (int) Math.min(POOL, queries.count());
            float[][] anchors = new float[pool][queries.dim()];
            for (int i = 0; i < pool; i++) {
                queries.copyRow(i, anchors[i]);
            }
            int[] nprobes = index instanceof IvfIndex ? o.nprobes : new int[] {0};
            if (o.firstCall) {
                firstCall(o, corpus, index, kernels, anchors, nprobes[0]);
                return;
            }
            int[][] positives = positives(index, anchors, nprobes, o.threads);
            double[] recall = recall(corpus, index, queries, nprobes, o.recall, kernels, o);
            for (int p = 0; p < nprobes.length; p++) {
                SearchParams search = o.search(nprobes[p]);
                try (Miner miner = Miner.builder(corpus).index(index).kernels(kernels).config(config())
                        .search(search).preload(o.preload).build()) {
                    for (int batch : o.batches) {
                        measure(o, miner, o.indexName(index), anchors, positives, batch, search, recall[p]);
                    }
                }
            }
        }
    }

    /** What a trainer mines: 8 negatives from ranks [10, 100), with Quarry's defences. */
    static MiningConfig config() {
        return MiningConfig.defaults().withNumNegatives(8).withRange(10, 100);
    }

    private static void measure(Options o, Miner miner, String name, float[][] anchors, int[][] positives, int batch,
                                SearchParams search, double recall) throws IOException {
        int nprobe = search.nprobe();
        int[] next = {0};
        Runnable call = () -> {
            int from = next[0];
            next[0] = (from + batch) % (anchors.length - batch + 1);
            miner.mine(Arrays.copyOfRange(anchors, from, from + batch), Arrays.copyOfRange(positives, from,
                    from + batch));
        };
        CallLatency.closedLoop(Math.max(20, o.calls / 10), call); // this batch shape's first calls: not counted
        List<CallLatency.Series> series = new ArrayList<>();
        CallLatency.Series closed = CallLatency.closedLoop(o.calls, call);
        series.add(closed);
        for (double fraction : o.rates) {
            if (o.osCounters != null && batch >= 16) { // reading /proc after each call needs the room a large call leaves
                Files.createDirectories(o.osCounters);
                try (OsCounters counters = new OsCounters(o.osCounters.resolve(String.format(Locale.ROOT,
                        "quarry-%s-batch%d-fixed%.2f.csv", o.label, batch, fraction)), "quarry-search")) {
                    series.add(CallLatency.fixedRate(o.calls, fraction * closed.callsPerSecond(), call, counters));
                }
            } else {
                series.add(CallLatency.fixedRate(o.calls, fraction * closed.callsPerSecond(), call));
            }
        }
        for (CallLatency.Series s : series) {
            String line = String.format(Locale.ROOT, "{\"set\":\"%s\",\"engine\":\"quarry\",\"what\":\"mine\","
                            + "\"index\":\"%s\",\"nprobe\":%d,\"recall\":%.4f,\"batch\":%d,\"threads\":%d,"
                            + "\"mode\":\"%s\","
                            + "\"calls\":%d,\"calls_per_s\":%.1f,\"p50_ms\":%.4f,\"p90_ms\":%.4f,\"p99_ms\":%.4f,"
                            + "\"p999_ms\":%.4f,\"max_ms\":%.4f,\"bytes_per_call\":%.0f}",
                    o.label, name, nprobe, recall, batch, o.threads,
                    s.mode(), s.calls(),
                    s.callsPerSecond(), s.millis(50), s.millis(90), s.millis(99), s.millis(99.9), s.maxMillis(),
                    s.bytesPerCall());
            System.out.println(line);
            System.err.printf(Locale.ROOT, "%s %s nprobe %d (recall %.3f) batch %d %s: p50/p99/p99.9/max %s"
                            + " ms, %.0f calls/s, %.0f bytes/call%n", o.label, name, nprobe,
                    recall, batch, s.mode(),
                    s.describe(), s.callsPerSecond(), s.bytesPerCall());
            if (o.json != null) {
                Files.writeString(o.json, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            }
        }
    }

    /** Building a warmed-up miner, then its first call, in this fresh JVM. */
    private static void firstCall(Options o, VectorStore corpus, VectorIndex index, VectorKernels kernels,
                                  float[][] anchors, int nprobe) throws IOException {
        SearchParams search = o.search(nprobe);
        int[][] positives = new int[anchors.length][];
        for (int i = 0; i < positives.length; i++) {
            positives[i] = new int[] {i}; // any row: the first call's cost does not depend on which
        }
        long t0 = System.nanoTime();
        Miner.Builder builder = Miner.builder(corpus).index(index).kernels(kernels).config(config()).search(search)
                .preset(o.preset);
        if (o.preload) {
            builder.preload(true); // otherwise the preset decides (the latency preset preloads)
        }
        try (Miner miner = builder.build()) {
            long built = System.nanoTime();
            int batch = o.batches[0];
            miner.mine(Arrays.copyOfRange(anchors, 0, batch), Arrays.copyOfRange(positives, 0, batch));
            long first = System.nanoTime();
            miner.mine(Arrays.copyOfRange(anchors, batch, 2 * batch), Arrays.copyOfRange(positives, batch, 2 * batch));
            long second = System.nanoTime();
            // The steady calls take the anchors after the first two, in turn, as a trainer's batches would come.
            double[] steady = new double[o.steady];
            for (int c = 0; c < o.steady; c++) {
                int from = (2 + c) * batch % (anchors.length - batch + 1);
                long start = System.nanoTime();
                miner.mine(Arrays.copyOfRange(anchors, from, from + batch), Arrays.copyOfRange(positives, from,
                        from + batch));
                steady[c] = (System.nanoTime() - start) / 1e6;
            }
            Arrays.sort(steady);
            double p50 = steady.length == 0 ? Double.NaN : steady[(steady.length - 1) / 2];
            String line = String.format(Locale.ROOT, "{\"set\":\"%s\",\"engine\":\"quarry\",\"what\":\"first-call\","
                            + "\"index\":\"%s\",\"nprobe\":%d,\"batch\":%d,\"threads\":%d,\"build_ms\":%.1f,"
                            + "\"first_ms\":%.3f,\"second_ms\":%.3f%s}", o.label, o.indexName(index),
                    miner.search().nprobe(), batch, o.threads, (built - t0) / 1e6, (first - built) / 1e6,
                    (second - first) / 1e6, steady.length == 0 ? "" : String.format(Locale.ROOT,
                            ",\"preset\":\"%s\",\"steady_calls\":%d,\"steady_p50_ms\":%.3f,\"first_over_p50\":%.2f",
                            o.preset.name().toLowerCase(Locale.ROOT), steady.length, p50, (first - built) / 1e6 / p50));
            System.out.println(line);
            System.err.println(miner.describeSearch());
            if (o.json != null) {
                Files.writeString(o.json, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            }
        }
    }

    /** Each query's positive: its best row at a generous nprobe (a stand-in for a labelled positive). */
    private static int[][] positives(VectorIndex index, float[][] anchors, int[] nprobes, int threads) {
        int generous = index instanceof IvfIndex ivf
                ? Math.min(ivf.nlist(), 4 * Arrays.stream(nprobes).max().orElse(1)) : 0;
        TopK top = index.search(QueryBlock.of(anchors), 1, Exclusions.NONE,
                SearchParams.defaults().withThreads(threads).withNprobe(generous));
        int[][] positives = new int[anchors.length][];
        for (int q = 0; q < anchors.length; q++) {
            positives[q] = new int[] {top.id(q, 0)};
        }
        return positives;
    }

    /** Search-only recall@100 of each nprobe against exact search, on the first {@code n} queries. */
    private static double[] recall(VectorStore corpus, VectorIndex index, VectorStore queries, int[] nprobes,
                                   int n, VectorKernels kernels, Options o) {
        int threads = o.threads;
        double[] recall = new double[nprobes.length];
        if (!(index instanceof IvfIndex)) {
            Arrays.fill(recall, 1.0);
            return recall;
        }
        int count = (int) Math.min(n, queries.count());
        float[][] qs = new float[count][queries.dim()];
        for (int i = 0; i < count; i++) {
            queries.copyRow(i, qs[i]);
        }
        QueryBlock block = QueryBlock.of(qs);
        TopK exact = new FlatIndex(corpus, kernels).search(block, K, Exclusions.NONE,
                SearchParams.defaults().withThreads(threads));
        for (int p = 0; p < nprobes.length; p++) {
            TopK found = index.search(block, K, Exclusions.NONE, o.search(nprobes[p]));
            double sum = 0;
            for (int q = 0; q < count; q++) {
                int[] truth = new int[K];
                for (int r = 0; r < K; r++) {
                    truth[r] = exact.id(q, r);
                }
                Arrays.sort(truth);
                int hits = 0;
                for (int r = 0; r < found.count(q); r++) {
                    hits += Arrays.binarySearch(truth, found.id(q, r)) >= 0 ? 1 : 0;
                }
                sum += hits / (double) K;
            }
            recall[p] = sum / count;
            System.err.printf(Locale.ROOT, "recall@%d at nprobe %d: %.4f (%d queries)%n", K, nprobes[p], recall[p],
                    count);
        }
        return recall;
    }

    /** The command line. */
    private record Options(Path corpus, Path queries, Path index, String label, int[] batches, int[] nprobes,
                           int threads, int calls, double[] rates, int recall, boolean firstCall,
                           boolean preload, MinerPreset preset, int steady, Path json, SearchParams.Coarse coarse, int ef, float oversample,
                           Path osCounters) {
        /** This run's search options at {@code nprobe}. */
        SearchParams search(int nprobe) {
            return new SearchParams(threads, nprobe, coarse, ef, oversample);
        }

        /** {@code flat}, {@code ivf}, or {@code ivf} and the coarse stage and list encoding when asked for. */
        String indexName(VectorIndex opened) {
            if (!(opened instanceof IvfIndex ivf)) {
                return "flat";
            }
            return "ivf" + (coarse == SearchParams.Coarse.AUTO ? "" : "+" + coarse.name().toLowerCase(Locale.ROOT))
                    + (ivf.encoding() == ListEncoding.FLOAT32 ? "" : "+" + ivf.encoding().label());
        }

        static Options parse(String[] args) {
            Path corpus = null;
            Path queries = null;
            Path index = null;
            String label = "data";
            int[] batches = {1, 8, 64, 256};
            int[] nprobes = {1, 2, 4, 8};
            int threads = Runtime.getRuntime().availableProcessors();
            int calls = 2000;
            double[] rates = {0.5, 0.8};
            int recall = 500;
            boolean firstCall = false;
            boolean preload = false;
            MinerPreset preset = MinerPreset.DEFAULT;
            int steady = 0;
            Path json = null;
            SearchParams.Coarse coarse = SearchParams.Coarse.AUTO;
            int ef = 0;
            float oversample = 0;
            Path osCounters = null;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--corpus" -> corpus = Path.of(args[++i]);
                    case "--queries" -> queries = Path.of(args[++i]);
                    case "--index" -> index = Path.of(args[++i]);
                    case "--label" -> label = args[++i];
                    case "--batches" -> batches = ints(args[++i]);
                    case "--nprobe" -> nprobes = ints(args[++i]);
                    case "--threads" -> threads = Integer.parseInt(args[++i]);
                    case "--calls" -> calls = Integer.parseInt(args[++i]);
                    case "--rates" -> rates = Arrays.stream(args[++i].split(",")).mapToDouble(Double::parseDouble)
                            .toArray();
                    case "--recall" -> recall = Integer.parseInt(args[++i]);
                    case "--first-call" -> firstCall = true;
                    case "--preload" -> preload = true;
                    case "--preset" -> preset = MinerPreset.valueOf(args[++i].toUpperCase(Locale.ROOT));
                    case "--steady" -> steady = Integer.parseInt(args[++i]);
                    case "--json" -> json = Path.of(args[++i]);
                    case "--coarse" -> coarse = SearchParams.Coarse.valueOf(args[++i].toUpperCase(Locale.ROOT));
                    case "--ef" -> ef = Integer.parseInt(args[++i]);
                    case "--oversample" -> oversample = Float.parseFloat(args[++i]);
                    case "--os-counters" -> osCounters = Path.of(args[++i]);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            if (corpus == null || queries == null) {
                throw new IllegalArgumentException("--corpus and --queries are required");
            }
            return new Options(corpus, queries, index, label, batches, nprobes, threads, calls, rates, recall,
                    firstCall, preload, preset, steady, json, coarse, ef, oversample, osCounters);
        }

        private static int[] ints(String list) {
            return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
        }
    }
}
