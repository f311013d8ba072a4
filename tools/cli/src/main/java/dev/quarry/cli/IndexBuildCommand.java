package dev.quarry.cli;

import dev.quarry.QuarryUsageException;
import dev.quarry.eval.NlistChoice;
import dev.quarry.files.OutputClaim;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.index.ivf.ListEncoding;
import dev.quarry.index.ivf.PqCodebook;
import dev.quarry.options.CommandFlags;
import dev.quarry.options.Door;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry index build}: k-means and inverted lists, written as a .qivf file. */
@Command(name = "build", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train k-means on a store and write an IVF index (.qivf) of its rows.",
        footer = {"", "Examples:", "  quarry index build --store corpus.qvec --type ivf --nlist 4096 --output corpus.qivf",
                "  quarry index build --store corpus.qvec --nlist 4096 --lists int8 --output corpus-int8.qivf",
                "  quarry index build --store corpus.qvec --nlist 1024 --lists pq4 --output corpus-pq4.qivf",
                "  quarry index build --store corpus.qvec --nlist auto --check-queries queries.qvec --output corpus.qivf"})
final class IndexBuildCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--store", required = true, description = "The corpus store to index.")
    Path store;

    @Option(names = "--type", defaultValue = "ivf", description = "ivf (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = CommandFlags.NLIST, description = "Inverted lists, or auto: the least modelled work per anchor (multiply-adds,"
            + " short lists weighted by their measured rate) at the smallest nprobe reaching --target-recall,"
            + " measured (default: about 4 x sqrt(rows)).")
    String nlist;

    @Option(names = "--target-recall", defaultValue = "0.95",
            description = "With --nlist auto: the recall@100 to reach (default: ${DEFAULT-VALUE}).")
    double targetRecall;

    @Option(names = "--check-queries", description = "With --nlist auto: queries for the recall check (default:"
            + " rows of the store, each excluded from its own answer).")
    Path checkQueries;

    @Option(names = "--check-sample", defaultValue = "1000",
            description = "With --nlist auto: queries in the recall check (default: ${DEFAULT-VALUE}).")
    int checkSample;

    @Option(names = "--output", required = true, description = "The .qivf file to write.")
    Path output;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = CommandFlags.ITERATIONS, defaultValue = "10", description = "k-means iterations (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = CommandFlags.MAX_POINTS_PER_CENTROID, defaultValue = "64",
            description = "Training sample cap per centroid (default: ${DEFAULT-VALUE}).")
    int maxPointsPerCentroid;

    @Option(names = CommandFlags.TRAIN_SAMPLE, defaultValue = "0",
            description = "Absolute cap on training points, at least nlist (default: none).")
    long trainSample;

    @Option(names = "--metric", defaultValue = "auto",
            description = "spherical, euclidean, or auto: spherical for unit-norm rows (default: ${DEFAULT-VALUE}).")
    String metric;

    @Option(names = "--lists", defaultValue = "float32",
            description = "How the lists store vectors: float32, int8 (a quarter of the bytes a probe reads), or"
                    + " pq4 (4-bit product quantization, half a byte per sub-space: 48 bytes a row at dim 384);"
                    + " each query's best candidates are rescored with the store's float32 rows, so scores stay"
                    + " exact (default: ${DEFAULT-VALUE}).")
    String lists;

    @Option(names = "--pq-subspaces", defaultValue = "0",
            description = "For --lists pq4: sub-spaces m, a divisor of dim (default: dim / s, s the divisor of dim"
                    + " nearest 4: 96 at dim 384).")
    int pqSubspaces;

    @Option(names = CommandFlags.THREADS, description = "Threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() {
        if (!type.equals("ivf")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--type=" + type + ", expected ivf");
        }
        ListEncoding encoding = switch (lists) {
            case "float32" -> ListEncoding.FLOAT32;
            case "int8" -> ListEncoding.INT8;
            case "pq4" -> ListEncoding.PQ4;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--lists=" + lists + ", expected float32, int8 or pq4");
        };
        if (pqSubspaces != 0 && encoding != ListEncoding.PQ4) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--pq-subspaces=" + pqSubspaces
                    + ", expected only with --lists pq4");
        }
        VectorKernels kernels = VectorKernelsProvider.get();
        try (VectorStore corpus = VectorStore.open(store)) {
            boolean spherical = switch (metric) {
                case "auto" -> IvfBuilder.unitNorm(corpus, kernels);
                case "spherical" -> true;
                case "euclidean" -> false;
                default -> throw new CommandLine.ParameterException(spec.commandLine(),
                        "--metric=" + metric + ", expected auto, spherical or euclidean");
            };
            boolean auto = "auto".equals(nlist);
            KMeansParams params;
            try {
                if (encoding == ListEncoding.PQ4 && pqSubspaces != 0) {
                    PqCodebook.checkSubspaces(corpus.dim(), pqSubspaces); // before k-means, not after it
                }
                params = new KMeansParams(auto ? 1 : nlist == null ? IvfBuilder.defaultNlist(corpus.count())
                        : parseNlist(), iterations, maxPointsPerCentroid, trainSample, spherical, seed,
                        ThreadCount.resolve(threads, spec.commandLine()));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        e instanceof QuarryUsageException usage ? Door.CLI.render(usage) : e.getMessage());
            }
            IvfBuilder.Report report;
            if (auto) {
                report = buildAuto(corpus, params, encoding, kernels);
            } else {
                report = new IvfBuilder(kernels, pqSubspaces).build(corpus, params, encoding, output,
                        spec.commandLine().getErr());
            }
            spec.commandLine().getOut().println("wrote " + report.describe());
        }
        return ExitCodes.OK;
    }

    private int parseNlist() {
        try {
            return Integer.parseInt(nlist);
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--nlist=" + nlist
                    + ", expected a positive integer or auto");
        }
    }

    /** {@code --nlist auto}: candidates compared by arithmetic and a measured recall, the winner built. */
    private IvfBuilder.Report buildAuto(VectorStore corpus, KMeansParams params, ListEncoding encoding,
                                         VectorKernels kernels) {
        if (!(targetRecall > 0 && targetRecall <= 1) || checkSample < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--target-recall=" + targetRecall
                    + " --check-sample=" + checkSample + ", expected 0 < recall <= 1 and a sample >= 1");
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        // The output is checked before minutes of comparisons, not after; the build claims it again to write it.
        OutputClaim.builder().input("store", store).input("checkQueries", checkQueries).output(output).claim().close();
        try (VectorStore queries = checkQueries == null ? null : VectorStore.open(checkQueries)) {
            NlistChoice.Result choice = NlistChoice.choose(corpus, params, queries, checkSample, 100, targetRecall,
                    kernels, err);
            out.println(choice.describe(targetRecall, 100));
            out.flush();
            KMeansParams chosen = new KMeansParams(choice.nlist(), params.iterations(), params.maxPointsPerCentroid(),
                    params.maxTrainingPoints(), params.spherical(), params.seed(), params.threads());
            return new IvfBuilder(kernels, pqSubspaces).build(corpus, chosen, encoding, choice.trained(), output, err);
        }
    }
}
