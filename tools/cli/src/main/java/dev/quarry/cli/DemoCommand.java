package dev.quarry.cli;

import dev.quarry.QuarryUsageException;
import dev.quarry.eval.IndexRecall;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.options.CommandFlags;
import dev.quarry.options.Door;
import dev.quarry.pipeline.MiningReport;
import dev.quarry.pipeline.MiningRequest;
import dev.quarry.pipeline.MiningRunner;
import dev.quarry.Progress;
import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.CatalogTruth;
import dev.quarry.store.VectorStore;
import dev.quarry.synth.SyntheticCatalog;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
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
        footer = {"", "Examples:", "  quarry demo --docs 1000000 --anchors 20000 --dim 384 --workdir /tmp/demo --keep",
                "  quarry demo --texts --cross-model bge-small,e5-small    # real texts and models"})
final class DemoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--index", defaultValue = "ivf", description = "ivf or flat (default: ${DEFAULT-VALUE}).")
    String index;

    @Option(names = CommandFlags.NLIST, description = "IVF lists (default: about 4 x sqrt(documents)).")
    Integer nlist;

    @Option(names = "--nprobe", description = "IVF lists probed per anchor (default: nlist / 64).")
    Integer nprobe;

    @CommandLine.Mixin
    CatalogOptions catalog;

    @Option(names = "--keep", description = "Keep the catalog and mined sets and print where they are (without it a"
            + " temp directory holds them and is deleted at the end; a --workdir is always kept).")
    boolean keep;

    @Option(names = "--texts", description = "Run on real texts instead: the docstrings of Python's standard library"
            + " (listed by python3), embedded with a real model; --docs caps the documents (default 3000, 0: all).")
    boolean texts;

    @Option(names = CommandFlags.MODEL, defaultValue = "minilm", description = "--texts: the model that embeds the texts"
            + " (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--cross-model", split = ",", description = "--texts: more models for cross-model agreement,"
            + " e.g. bge-small,e5-small.")
    List<String> crossModels;

    @Option(names = "--python", defaultValue = "python3", description = "--texts: the Python that lists the"
            + " docstrings (default: ${DEFAULT-VALUE}).")
    String python;

    @Override
    public Integer call() throws IOException {
        if (texts) {
            return textDemo();
        }
        if (crossModels != null || spec().commandLine().getParseResult().hasMatchedOption("--model")) {
            throw new CommandLine.ParameterException(spec().commandLine(), "--model and --cross-model go with --texts");
        }
        CatalogSpec spec = catalog.catalog();
        int workers = catalog.threads();
        PrintWriter out = spec().commandLine().getOut();
        try (WorkDir work = WorkDir.open(catalog.workdir, keep, "quarry-demo")) {
            Path dir = work.dir();
            boolean kept = work.kept();
            long t0 = System.nanoTime();
            SyntheticCatalog catalog = new SyntheticCatalog(spec);
            catalog.write(dir);
            CatalogTruth truth = catalog.truth();
            double genSeconds = (System.nanoTime() - t0) / 1e9;
            long planted = catalog.totalDocs() - (long) spec.docs();
            out.printf(Locale.ROOT, "Quarry demo: %,d documents (+%,d planted unlabelled near-copies of positives), "
                            + "%,d anchors, d=%d, %,d topics; %.0f%% of labels are wrong on purpose%n",
                    spec.docs(), planted, spec.anchors(), spec.dim(), spec.topics(), 100 * spec.labelNoise());
            if (kept) {
                out.printf(Locale.ROOT, "catalog written to %s in %s (kept)%n%n", dir, Progress.duration(genSeconds));
            } else {
                out.printf(Locale.ROOT, "catalog generated in %s into a temporary directory, deleted at the end"
                        + " (--keep keeps it and prints how to audit it)%n%n", Progress.duration(genSeconds));
            }

            Path ivf = null;
            int probes = 0;
            String recallLine = "";
            if (index.equals("ivf")) {
                ivf = dir.resolve("corpus.qivf");
                IvfReport built = buildIvf(dir, ivf, workers);
                probes = built.nprobe;
                recallLine = built.recall;
                out.println(built.line);
            } else if (!index.equals("flat")) {
                throw new CommandLine.ParameterException(spec().commandLine(), "--index=" + index
                        + ", expected ivf or flat");
            }

            MiningConfig config = MiningConfig.defaults();
            PrintWriter err = spec().commandLine().getErr();
            Run filtered = mine(dir, "mined-defaults.jsonl", config, truth, workers, ivf, probes, err);
            Run unfiltered = mine(dir, "mined-unfiltered.jsonl", config.withoutFilters(), truth, workers, ivf, probes,
                    err);

            MiningReport r = filtered.report;
            out.printf(Locale.ROOT, "mined %,d anchors against %,d rows (d=%d) twice, %s, %d thread%s, %s kernels%n",
                    r.anchorsThisRun(), r.corpusRows(), r.dim(), r.index() + (ivf == null ? "" : ", nprobe " + probes),
                    workers, workers == 1 ? "" : "s", VectorKernelsProvider.get().description());
            if (!recallLine.isEmpty()) {
                out.println(recallLine);
            }
            out.println("false negatives = mined negatives that are in truth positives (planted near-copies, or the"
                    + " real positive of a wrongly labelled anchor)");
            out.printf(Locale.ROOT, "%-34s %10s %10s %8s %10s %10s %8s %12s%n", "", "negatives", "false neg",
                    "FN rate", "mean score", "anchors <3", "time", "anchors/min");
            row(out, "defaults (skip 10, margin, near-dup)", filtered);
            row(out, "no filters (plain top-k)", unfiltered);
            out.println("(times in this fresh JVM include the compiler's warm-up, the first run's most;"
                    + " bench/README.md has steady-state figures)");
            out.println();
            out.println("summary of the run with the defaults:");
            StringWriter summary = new StringWriter();
            r.print(new PrintWriter(summary), config.describe());
            // The summary ends with the files written; in a temp directory they are about to be deleted.
            summary.toString().lines().filter(line -> kept || !line.startsWith("wrote "))
                    .forEach(out::println);
            if (kept) {
                out.printf(Locale.ROOT, "%nnext: audit the unfiltered set against the planted truth:%n  ./quarry audit %s "
                                + "--truth %s --corpus %s --queries %s --corpus-text %s --queries-text %s --sample 200 "
                                + "--html %s%n", dir.resolve("mined-unfiltered.jsonl"), dir.resolve("truth.tsv"),
                        dir.resolve("corpus.qvec"), dir.resolve("queries.qvec"), dir.resolve("corpus.jsonl"),
                        dir.resolve("queries.jsonl"), dir.resolve("report.html"));
            }
            return ExitCodes.OK;
        }
    }

    private CommandLine.Model.CommandSpec spec() {
        return spec;
    }

    /** {@code --texts}: the text demo in a work directory kept or deleted as for the synthetic one. */
    private int textDemo() throws IOException {
        CommandLine.ParseResult parsed = spec().commandLine().getParseResult();
        int maxDocs = parsed.hasMatchedOption("--docs") ? catalog.docs : 3000;
        if (maxDocs < 0) {
            throw new CommandLine.ParameterException(spec().commandLine(), "--docs=" + maxDocs + ", expected >= 0");
        }
        TextEmbeddings embeddings = TextEmbeddings.find().orElseThrow(() -> new CommandLine.ParameterException(
                spec().commandLine(), TextEmbeddings.missingMessage("demo --texts")));
        int workers = catalog.threads();
        try (WorkDir work = WorkDir.open(catalog.workdir, keep, "quarry-text-demo")) {
            Path dir = work.dir();
            new TextDemo(embeddings, model, crossModels == null ? List.of() : crossModels, workers,
                    spec().commandLine().getOut(), spec().commandLine().getErr()).run(dir, python, maxDocs);
            if (work.kept()) {
                spec().commandLine().getOut().printf(Locale.ROOT, "catalog, embeddings and mined sets kept in %s"
                        + " (truth.tsv lists the known duplicates)%n", dir);
            }
            return ExitCodes.OK;
        }
    }

    /**
     * A demo's directory: the --workdir (kept), or a temp directory kept with --keep and otherwise deleted
     * at close, or by a shutdown hook when the demo is interrupted (Ctrl-C skips the close).
     */
    private record WorkDir(Path dir, boolean kept, Thread cleanup) implements AutoCloseable {
        static WorkDir open(Path workdir, boolean keep, String tempPrefix) throws IOException {
            Path dir = workdir != null ? Files.createDirectories(workdir) : Files.createTempDirectory(tempPrefix);
            boolean kept = workdir != null || keep;
            Thread cleanup = kept ? null : new Thread(() -> deleteQuietly(dir), "quarry-demo-cleanup");
            if (cleanup != null) {
                Runtime.getRuntime().addShutdownHook(cleanup);
            }
            return new WorkDir(dir, kept, cleanup);
        }

        @Override
        public void close() {
            if (kept) {
                return;
            }
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or will run: it deletes the directory
            }
            deleteTree(dir);
        }
    }

    private record Run(MiningReport report, CatalogTruth.Counter counter) {
    }

    private record IvfReport(String line, String recall, int nprobe) {
    }

    /** Builds the IVF index of the catalog and measures its recall@100 against exact search. */
    private IvfReport buildIvf(Path dir, Path file, int workers) {
        VectorKernels kernels = VectorKernelsProvider.get();
        try (VectorStore corpus = VectorStore.open(dir.resolve("corpus.qvec"));
             VectorStore queries = VectorStore.open(dir.resolve("queries.qvec"))) {
            int lists;
            try {
                lists = nlist != null ? nlist : IvfBuilder.defaultNlist(corpus.count());
                KMeansParams params = new KMeansParams(lists, 10, 64, 0, IvfBuilder.unitNorm(corpus, kernels), 42,
                        workers);
                IvfBuilder.Report report = new IvfBuilder(kernels).build(corpus, params, file, null);
                try (IvfIndex ivf = IvfIndex.open(file, corpus, kernels)) {
                    int probes = nprobe != null ? nprobe : ivf.defaultNprobe();
                    if (probes < 1 || probes > lists) {
                        throw new CommandLine.ParameterException(spec().commandLine(), "--nprobe=" + probes
                                + ", expected 1 <= nprobe <= nlist=" + lists);
                    }
                    IndexRecall.Point point = IndexRecall.sweep(new FlatIndex(corpus, kernels), ivf, queries, 1000, 100,
                            new int[] {probes}, workers).getFirst();
                    String line = String.format(Locale.ROOT, "IVF index: %d lists (sizes %,d to %,d), built in %s",
                            lists, report.minList(), report.maxList(), Progress.duration(report.seconds()));
                    String recall = String.format(Locale.ROOT, "IVF recall@100 against exact search at nprobe %d: "
                            + "%.3f (1,000 anchors)", probes, point.recall());
                    return new IvfReport(line, recall, probes);
                }
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec().commandLine(), e instanceof QuarryUsageException usage
                        ? Door.CLI.render(usage) : e.getMessage());
            }
        }
    }

    private static Run mine(Path dir, String output, MiningConfig config, CatalogTruth truth, int workers, Path ivf,
                            int nprobe, PrintWriter progress) {
        CatalogTruth.Counter counter = truth.counter();
        MiningRequest request = MiningRequest.builder(dir.resolve("corpus.qvec"), dir.resolve("qrels.tsv"),
                        dir.resolve(output)).queries(dir.resolve("queries.qvec")).config(config)
                .outputOptions(new OutputOptions(OutputFormat.TRIPLET, config.numNegatives(), true, false, false))
                .index(ivf, nprobe).threads(workers).listener(counter::add).build();
        MiningReport report = new MiningRunner(VectorKernelsProvider.get()).run(request, progress);
        return new Run(report, counter);
    }

    private static void row(PrintWriter out, String name, Run run) {
        CatalogTruth.Counter c = run.counter;
        MiningReport r = run.report;
        out.printf(Locale.ROOT, "%-34s %,10d %,10d %7.1f%% %10.3f %,10d %8s %12s%n", name, c.negatives(),
                c.falseNegatives(), 100 * c.falseNegativeRate(), c.meanNegativeScore(), r.stats().shortAnchors(),
                Progress.duration(r.seconds()), Progress.human(r.anchorsPerSecond() * 60));
    }

    /** Deletes what it can of {@code dir}, at JVM exit: files still being written may resist, nothing is thrown. */
    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: the JVM is exiting
        }
    }

    static void deleteTree(Path dir) {
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
