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
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry index recall}: recall@k of an IVF index against exact search, for a sweep of nprobe. */
@Command(name = "recall", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Recall@k of an IVF index against exact search for a sweep of nprobe, with throughput.",
        footer = {"", "Example:", "  quarry index recall --store corpus.qvec --index corpus.qivf --queries queries.qvec"})
final class IndexRecallCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--store", required = true, description = "The corpus store the index was built from.")
    Path store;

    @Option(names = "--index", required = true, description = "The .qivf index.")
    Path index;

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

    @Override
    public Integer call() {
        VectorKernels kernels = VectorKernelsProvider.get();
        int t = ThreadCount.resolve(threads, spec.commandLine());
        if (sample < 1 || k < 1 || t < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--sample, --k and --threads must be >= 1");
        }
        try (VectorStore corpus = VectorStore.open(store);
             VectorStore q = queries == null ? null : VectorStore.open(queries);
             IvfIndex ivf = IvfIndex.open(index, corpus, kernels)) {
            VectorStore qs = q == null ? corpus : q;
            if (qs.dim() != corpus.dim()) {
                throw new QuarryDataException(queries, "dim", qs.dim(), corpus.dim() + " as in " + store);
            }
            int[] sweep = nprobes != null ? nprobes : defaultSweep(ivf.nlist());
            List<IndexRecall.Point> points = IndexRecall.sweep(new FlatIndex(corpus, kernels), ivf, qs, sample, k, sweep,
                    t);
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "recall@%d of %s against exact search, %d queries, %d thread%s%n", k,
                    ivf.describe(), Math.min(sample, qs.count()), t, t == 1 ? "" : "s");
            out.printf(Locale.ROOT, "%8s %10s %12s %14s%n", "nprobe", "recall", "queries/s", "queries/min");
            for (IndexRecall.Point p : points) {
                out.printf(Locale.ROOT, "%8d %10.4f %12.0f %14s%n", p.nprobe(), p.recall(), p.queriesPerSecond(),
                        Progress.human(60 * p.queriesPerSecond()));
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
