package dev.quarry.cli;

import dev.quarry.QuarryDataException;
import dev.quarry.eval.IndexRecall;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.Progress;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import dev.quarry.index.TopK;
import dev.quarry.vector.QueryBlock;
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

    @Option(names = "--threads", description = "Threads (default: all cores).")
    Integer threads;

    @Option(names = "--throughput-anchors", description = "Anchors searched at once for the anchors/min column"
            + " (default: the super-block quarry mine searches for that index and nprobe; 0: no throughput column).")
    Integer throughputAnchors;

    @Override
    public Integer call() {
        VectorKernels kernels = VectorKernelsProvider.get();
        int t = ThreadCount.resolve(threads, spec.commandLine());
        if (sample < 1 || k < 1 || t < 1 || (throughputAnchors != null && throughputAnchors < 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--sample, --k and --threads must be >= 1, --throughput-anchors >= 0");
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
            out.printf(Locale.ROOT, "recall@%d against exact search, %d queries, %d thread%s; anchors/min of a batch"
                    + " search: the anchors of a super-block searched at once, as quarry mine does%n", k, block.count(), t,
                    t == 1 ? "" : "s");
            for (Path file : indexes) {
                try (IvfIndex ivf = IvfIndex.open(file, corpus, kernels)) {
                    out.printf(Locale.ROOT, "%s%n", ivf.describe());
                    out.printf(Locale.ROOT, "%8s %10s %14s %10s %12s %10s%n", "nprobe", "recall", "anchors/min",
                            "anchors", "MFLOP/anchor", "GFLOP/s");
                    int[] sweep = nprobes != null ? nprobes : defaultSweep(ivf.nlist());
                    for (IndexRecall.Point p : IndexRecall.sweep(truth, ivf, block, k, sweep, t)) {
                        int anchors = throughputAnchors != null ? throughputAnchors
                                : ivf.batchQueries(p.nprobe(), t, k);
                        if (anchors == 0) {
                            out.printf(Locale.ROOT, "%8d %10.4f %14s %10s %12s %10s%n", p.nprobe(), p.recall(), "-", "-",
                                    "-", "-");
                        } else {
                            err.printf(Locale.ROOT, "index recall: nlist %d nprobe %d: timing %,d anchors...%n",
                                    ivf.nlist(), p.nprobe(), anchors);
                            err.flush();
                            IndexRecall.Throughput speed = IndexRecall.batchThroughput(ivf, qs, anchors, k, p.nprobe(),
                                    t, 2);
                            out.printf(Locale.ROOT, "%8d %10.4f %14s %10d %12.2f %10.1f%n", p.nprobe(), p.recall(),
                                    Progress.human(60 * speed.anchorsPerSecond()), anchors, speed.flopsPerAnchor() / 1e6,
                                    speed.gflops());
                        }
                        out.flush();
                    }
                }
            }
        }
        return ExitCodes.OK;
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
