package dev.quarry.cli;

import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.pipeline.MiningReport;
import dev.quarry.pipeline.MiningRequest;
import dev.quarry.pipeline.MiningRunner;
import dev.quarry.pipeline.Progress;
import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.CatalogTruth;
import dev.quarry.synth.SyntheticCatalog;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quarry demo}: the whole job on a generated catalog whose truth is known. Mines it twice
 * (with the default filters, and with none) and prints throughput and the false-negative rate of each
 * mined set against the planted truth.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate a catalog with planted unlabelled positives and label noise, mine it with the"
                + " default filters and with none, and print throughput and false-negative rates.",
        footer = {"", "Example:", "  quarry demo --docs 1000000 --anchors 20000 --dim 384 --workdir /tmp/demo --keep"})
final class DemoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--docs", defaultValue = "100000", description = "Documents (default: ${DEFAULT-VALUE}).")
    int docs;

    @Option(names = "--anchors", defaultValue = "10000", description = "Anchors (default: ${DEFAULT-VALUE}).")
    int anchors;

    @Option(names = "--dim", defaultValue = "128", description = "Dimension (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--label-noise", defaultValue = "0.05",
            description = "Share of anchors with a wrong label (default: ${DEFAULT-VALUE}).")
    double labelNoise;

    @Option(names = "--threads", description = "Mining threads (default: all cores).")
    Integer threads;

    @Option(names = "--workdir", description = "Where the catalog and mined sets go (default: a temp directory).")
    Path workdir;

    @Option(names = "--keep", description = "Keep the working directory (a temp one is deleted otherwise).")
    boolean keep;

    @Override
    public Integer call() throws IOException {
        CatalogSpec defaults = CatalogSpec.demo();
        CatalogSpec spec;
        try {
            spec = new CatalogSpec(docs, anchors, dim, Math.max(1, docs / 100), defaults.plantedFraction(),
                    defaults.maxPlanted(), labelNoise, defaults.seed());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec().commandLine(), e.getMessage());
        }
        int workers = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        Path dir = workdir != null ? Files.createDirectories(workdir) : Files.createTempDirectory("quarry-demo");
        PrintWriter out = spec().commandLine().getOut();
        try {
            long t0 = System.nanoTime();
            SyntheticCatalog catalog = new SyntheticCatalog(spec);
            catalog.write(dir);
            CatalogTruth truth = catalog.truth();
            double genSeconds = (System.nanoTime() - t0) / 1e9;
            long planted = catalog.totalDocs() - (long) spec.docs();
            out.printf(Locale.ROOT, "Quarry demo: %,d documents (+%,d planted unlabelled near-copies of positives), "
                            + "%,d anchors, d=%d, %,d topics; %.0f%% of labels are wrong on purpose%n",
                    spec.docs(), planted, spec.anchors(), spec.dim(), spec.topics(), 100 * spec.labelNoise());
            out.printf(Locale.ROOT, "catalog written to %s in %s%n%n", dir, Progress.duration(genSeconds));

            MiningConfig config = MiningConfig.defaults();
            PrintWriter err = spec().commandLine().getErr();
            Run filtered = mine(dir, "mined-defaults.jsonl", config, truth, workers, err);
            Run unfiltered = mine(dir, "mined-unfiltered.jsonl", config.withoutFilters(), truth, workers, err);

            MiningReport r = filtered.report;
            out.printf(Locale.ROOT, "mined %,d anchors against %,d rows (d=%d) twice, %s index, %d thread%s, %s kernels%n",
                    r.anchorsThisRun(), r.corpusRows(), r.dim(), r.index(), workers, workers == 1 ? "" : "s",
                    VectorKernelsProvider.get().description());
            out.println("false negatives = mined negatives that are in truth positives (planted near-copies, or the"
                    + " real positive of a wrongly labelled anchor)");
            out.printf(Locale.ROOT, "%-34s %10s %10s %8s %10s %10s %8s %12s %9s%n", "", "negatives", "false neg",
                    "FN rate", "mean score", "anchors <3", "time", "anchors/min", "GFLOP/s");
            row(out, "defaults (relative margin 0.05)", filtered);
            row(out, "no filters (plain top-k)", unfiltered);
            out.println("(the first run includes starting the JIT compiler, about a second; bench/README.md has"
                    + " steady-state figures)");
            out.println();
            out.println("summary of the run with the defaults:");
            r.print(out, config.describe());
            if (workdir == null && !keep) {
                out.println("(the catalog and mined sets are in a temp directory deleted now; --workdir DIR keeps them)");
            }
            return ExitCodes.OK;
        } finally {
            if (workdir == null && !keep) {
                deleteTree(dir);
            }
        }
    }

    private CommandLine.Model.CommandSpec spec() {
        return spec;
    }

    private record Run(MiningReport report, CatalogTruth.Counter counter) {
    }

    private static Run mine(Path dir, String output, MiningConfig config, CatalogTruth truth, int workers,
                            PrintWriter progress) {
        CatalogTruth.Counter counter = truth.counter();
        MiningRequest request = new MiningRequest(dir.resolve("corpus.qvec"), dir.resolve("queries.qvec"),
                dir.resolve("qrels.tsv"), null, null, null, null, null, null, null, config,
                new OutputOptions(OutputFormat.TRIPLET, config.numNegatives(), true, false, false),
                dir.resolve(output), workers, 256, false, false, 10_000_000_000L, 0, counter::add);
        MiningReport report = new MiningRunner(VectorKernelsProvider.get()).run(request, progress);
        return new Run(report, counter);
    }

    private static void row(PrintWriter out, String name, Run run) {
        CatalogTruth.Counter c = run.counter;
        MiningReport r = run.report;
        out.printf(Locale.ROOT, "%-34s %,10d %,10d %7.1f%% %10.3f %,10d %8s %12s %9.1f%n", name, c.negatives(),
                c.falseNegatives(), 100 * c.falseNegativeRate(), c.meanNegativeScore(), r.stats().shortAnchors(),
                Progress.duration(r.seconds()), Progress.human(r.anchorsPerSecond() * 60), r.exactGflops());
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
