package dev.quarry.cli;

import dev.quarry.QuarryDataException;
import dev.quarry.eval.IndexRecall;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.ListEncoding;
import dev.quarry.Progress;
import dev.quarry.options.CommandFlags;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry index recall}: recall@k of an IVF index against exact search, for a sweep of nprobe. */
@Command(name = "recall", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Recall@k of IVF indexes against exact search, per (nlist, nprobe), with the anchors/min"
                + " a batch search reaches at mining's shape: a table to pick a setting from.",
        footer = {"", "Examples:", "  quarry index recall --store corpus.qvec --index corpus.qivf --queries queries.qvec",
                "  quarry index recall --store corpus.qvec --index c1024.qivf,c4096.qivf --queries queries.qvec"
                        + " --nprobe 1,2,4"})
final class IndexRecallCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--store", required = true, description = "The corpus store the indexes were built from.")
    Path store;

    @Option(names = "--index", required = true, split = ",", description = "One or more .qivf indexes (comma-separated"
            + " or repeated), each a row group of the table.")
    List<Path> indexes;

    @Option(names = "--queries", description = "Query vectors (default: rows of the store).")
    Path queries;

    @Option(names = "--sample", defaultValue = "2000", description = "Queries measured (default: ${DEFAULT-VALUE}).")
    int sample;

    @Option(names = "--k", defaultValue = "100", description = "k of recall@k (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--nprobe", split = ",", description = "nprobe values (default: 1, 2, 4, ... up to nlist/4).")
    int[] nprobes;

    @Option(names = "--coarse", split = ",", description = "How lists are found: exact (every centroid scored),"
            + " graph (the centroid graph), auto (the index's choice per call), a row each (default: exact, and"
            + " graph when the index has one).")
    String[] coarse;

    @Option(names = "--ef", split = ",", description = "The centroid graph's beam, for graph rows"
            + " (default: the index's).")
    int[] efs;

    @Option(names = "--oversample", split = ",", description = "For an int8 or pq4 index: candidates rescored per"
            + " query at most, as a multiple of k; a row each (default: the index's; pq4: 3 x k, at least 300).")
    float[] oversamples;

    @Option(names = "--probe-margin", split = ",", description = "Probe an anchor's lists beyond its best only"
            + " when their centroids score within this of the best one's (mine's --probe-margin); a row each, with"
            + " the lists probed per query (default: every one of the nprobe lists).")
    float[] probeMargins;

    @Option(names = "--batch", defaultValue = "0", description = "Queries per search call for the timing: 0 for all"
            + " at once, as batch mining searches; 64 is a trainer's call (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = CommandFlags.THREADS, description = "Threads (default: all cores).")
    Integer threads;

    @Option(names = "--throughput-anchors", description = "Anchors searched at once for the anchors/min column"
            + " (default: the super-block quarry mine searches for that index and nprobe; 0: no throughput column).")
    Integer throughputAnchors;

    @Override
    public Integer call() {
        VectorKernels kernels = VectorKernelsProvider.get();
        int t = ThreadCount.resolve(threads, spec.commandLine());
        if (sample < 1 || k < 1 || t < 1 || batch < 0 || (throughputAnchors != null && throughputAnchors < 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--sample, --k and --threads must be >= 1, --batch and --throughput-anchors >= 0");
        }
        List<SearchParams.Coarse> modes = new ArrayList<>();
        for (String c : coarse == null ? new String[] {"exact", "graph?"} : coarse) {
            if (c.equals("graph?")) { // by default, graph rows only for an index that has a graph
                modes.add(null);
                continue;
            }
            modes.add(switch (c) {
                case "exact" -> SearchParams.Coarse.EXACT;
                case "graph" -> SearchParams.Coarse.GRAPH;
                case "auto" -> SearchParams.Coarse.AUTO;
                default -> throw new CommandLine.ParameterException(spec.commandLine(),
                        "--coarse=" + c + ", expected exact, graph or auto (several: exact,graph)");
            });
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (VectorStore corpus = VectorStore.open(store);
             VectorStore q = queries == null ? null : VectorStore.open(queries)) {
            VectorStore qs = q == null ? corpus : q;
            if (qs.dim() != corpus.dim()) {
                throw new QuarryDataException(queries, "dim", qs.dim(), corpus.dim() + " as in " + store);
            }
            QueryBlock block = IndexRecall.sample(qs, sample);
            TopK truth = IndexRecall.truth(new FlatIndex(corpus, kernels), block, k, t);
            int n = block.count();
            boolean calls = batch > 0 && batch < n;
            out.printf(Locale.ROOT, "recall@%d against exact search, %d queries, %s, %d thread%s; anchors/min of a"
                    + " batch search: the anchors of a super-block searched at once, as quarry mine does%n", k, n,
                    calls ? "calls of " + batch : "one call", t, t == 1 ? "" : "s");
            for (Path file : indexes) {
                try (IvfIndex ivf = IvfIndex.open(file, corpus, kernels)) {
                    List<SearchParams.Coarse> these = new ArrayList<>(modes);
                    if (these.remove(null) && ivf.hasGraph()) {
                        these.add(SearchParams.Coarse.GRAPH);
                    }
                    int[] sweep = nprobes != null ? nprobes : defaultSweep(ivf.nlist());
                    boolean int8 = ivf.encoding() != ListEncoding.FLOAT32; // int8 or pq4: candidates rescored
                    // For quantized lists, each row's calls again with every probed row rescored: the float32
                    // lists' recall.
                    List<IndexRecall.Point> points = IndexRecall.sweep(truth, ivf, qs, block, k,
                            settings(these, sweep, ivf, t), batch,
                            int8 ? setting -> setting.withOversample(Float.POSITIVE_INFINITY) : null);
                    out.printf(Locale.ROOT, "%s%n", ivf.describe());
                    if (int8) {
                        out.printf(Locale.ROOT, "recall-f32: the same calls with every probed row rescored, the"
                                + " recall float32 lists give; recall-f32 - recall is what the %s lists cost%n",
                                ivf.encoding().label());
                    }
                    // nprobe and recall lead (scripts read the first two columns), then how the lists were found,
                    // then mining's speed where the super-block search serves the setting.
                    out.printf(Locale.ROOT, "%8s %10s %12s %14s %6s %5s%s%s%s %14s %10s %12s %10s%n", "nprobe", "recall",
                            "queries/s", "queries/min", "coarse", "ef", int8 ? String.format(Locale.ROOT, " %10s %11s %10s",
                                    "oversample", "rescored/q", "recall-f32") : "",
                            calls ? String.format(Locale.ROOT, " %10s", "ms/call") : "",
                            probeMargins == null ? "" : String.format(Locale.ROOT, " %8s %8s", "margin", "lists/q"),
                            "anchors/min", "anchors", "MFLOP/anchor", "GFLOP/s");
                    for (IndexRecall.Point p : points) {
                        SearchParams s = p.params();
                        int beam = ivf.beam(s, calls ? batch : n, s.nprobe());
                        out.printf(Locale.ROOT, "%8d %10.4f %12.0f %14s %6s %5s%s%s%s %s%n", p.nprobe(), p.recall(),
                                p.queriesPerSecond(), Progress.human(60 * p.queriesPerSecond()),
                                s.coarse().name().toLowerCase(Locale.ROOT), beam == 0 ? "-" : String.valueOf(beam),
                                int8 ? String.format(Locale.ROOT, " %10s %11.1f %10.4f", s.oversample() == 0
                                        ? "default" : s.oversample(), (double) ivf.rescoredRows(block, k, s) / n,
                                        p.referenceRecall()) : "",
                                calls ? String.format(Locale.ROOT, " %10.3f", 1e3 * batch / p.queriesPerSecond()) : "",
                                probeMargins == null ? "" : String.format(Locale.ROOT, " %8s %8.3f",
                                        s.probeMargin() == Float.POSITIVE_INFINITY ? "off" : s.probeMargin(),
                                        listsPerQuery(ivf, block, s)),
                                throughput(ivf, qs, s, t, err));
                        out.flush();
                    }
                }
            }
        }
        return ExitCodes.OK;
    }

    /**
     * The anchors/min, anchors, MFLOP/anchor and GFLOP/s columns: {@code quarry mine}'s super-block search
     * timed at this setting, or dashes where mining searches block by block (an int8 or pq4 index, the graph).
     */
    private String throughput(IvfIndex ivf, VectorStore qs, SearchParams s, int t, PrintWriter err) {
        int anchors = throughputAnchors != null ? throughputAnchors : ivf.batchQueries(s.nprobe(), t, k);
        if (anchors == 0 || !ivf.searchesRows(s) || s.coarse() == SearchParams.Coarse.GRAPH) {
            return String.format(Locale.ROOT, "%14s %10s %12s %10s", "-", "-", "-", "-");
        }
        err.printf(Locale.ROOT, "index recall: nlist %d nprobe %d: timing %,d anchors...%n", ivf.nlist(), s.nprobe(),
                anchors);
        err.flush();
        IndexRecall.Throughput speed = IndexRecall.batchThroughput(ivf, qs, anchors, k, s, t, 2);
        return String.format(Locale.ROOT, "%14s %10d %12.2f %10.1f", Progress.human(60 * speed.anchorsPerSecond()),
                anchors, speed.flopsPerAnchor() / 1e6, speed.gflops());
    }

    /** The mean number of lists a query of {@code block} probes with {@code s}. */
    private static double listsPerQuery(IvfIndex ivf, QueryBlock block, SearchParams s) {
        long probed = 0;
        for (int list : ivf.probedLists(block, s)) {
            probed += list >= 0 ? 1 : 0;
        }
        return (double) probed / Math.max(1, block.count());
    }

    /**
     * Every combination asked for: coarse modes, beams (graph rows only), nprobe, oversample (int8, pq4), probe
     * margins.
     */
    private List<SearchParams> settings(List<SearchParams.Coarse> modes, int[] sweep, IvfIndex ivf, int t) {
        List<SearchParams> settings = new ArrayList<>();
        float[] factors = ivf.encoding() != ListEncoding.FLOAT32 && oversamples != null ? oversamples
                : new float[] {0};
        float[] margins = probeMargins != null ? probeMargins : new float[] {Float.POSITIVE_INFINITY};
        for (SearchParams.Coarse mode : modes) {
            int[] beams = mode == SearchParams.Coarse.GRAPH && efs != null ? efs : new int[] {0};
            for (int ef : beams) {
                for (int nprobe : sweep) {
                    for (float factor : factors) {
                        for (float margin : margins) {
                            try {
                                settings.add(new SearchParams(t, nprobe, mode, ef, factor, margin));
                            } catch (dev.quarry.QuarryUsageException e) {
                                throw new CommandLine.ParameterException(spec.commandLine(),
                                        dev.quarry.options.Door.CLI.render(e));
                            }
                        }
                    }
                }
            }
        }
        return settings;
    }

    private static int[] defaultSweep(int nlist) {
        int count = 0;
        for (int p = 1; p <= Math.max(1, nlist / 4); p *= 2) {
            count++;
        }
        int[] sweep = new int[count];
        for (int i = 0, p = 1; i < count; i++, p *= 2) {
            sweep[i] = p;
        }
        return sweep;
    }
}
