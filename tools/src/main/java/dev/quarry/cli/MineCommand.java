package dev.quarry.cli;

import dev.quarry.io.OutputOptions;
import dev.quarry.labels.QrelsFormat;
import dev.quarry.mining.MiningConfig;
import dev.quarry.pipeline.MiningReport;
import dev.quarry.pipeline.MiningRequest;
import dev.quarry.pipeline.MiningRunner;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code quarry mine}: hard negatives from embeddings and labels, into a training file. */
@Command(name = "mine", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Mine hard negatives: for each labelled anchor, the highest-scoring corpus rows that are not"
                + " its positives, filtered and sampled, written in a training format.",
        footer = {"", "Example:",
                "  quarry mine --corpus corpus.qvec --queries queries.qvec --qrels qrels.tsv \\",
                "              --num-negatives 8 --range-min 10 --range-max 100 --output-format n-tuple \\",
                "              --corpus-text corpus.jsonl --queries-text queries.jsonl --output mined.jsonl",
                "",
                "A killed run continues where it stopped with the same command plus --resume."})
final class MineCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--corpus", required = true, description = "Corpus embeddings (.qvec, .npy <f4, .fvecs).")
    Path corpus;

    @Option(names = "--queries", description = "Anchor embeddings; omit when anchors are rows of the corpus.")
    Path queries;

    @Option(names = "--qrels", required = true, description = "Labelled positives: TSV, TREC or JSONL.")
    Path qrels;

    @Option(names = "--qrels-format", description = "tsv, trec or jsonl (default: detected).")
    String qrelsFormat;

    @Option(names = "--known-positives", description = "More pairs that must never be mined as negatives "
            + "(same formats as --qrels).")
    Path knownPositives;

    @Option(names = "--anchors", description = "File of anchor ids to mine, one per line (default: every labelled anchor).")
    Path anchors;

    @Option(names = "--index", defaultValue = "flat",
            description = "flat (exact search) or an IVF index file built by `quarry index build` (default: ${DEFAULT-VALUE}).")
    String index;

    @Option(names = "--nprobe", description = "Lists probed per anchor with an IVF index (default: nlist / 64).")
    Integer nprobe;

    @Option(names = "--corpus-ids", description = "Ids of the corpus rows, one per line (default: CORPUS.ids, "
            + "the ids of --corpus-text, or row numbers).")
    Path corpusIds;

    @Option(names = "--queries-ids", description = "Ids of the query rows (default: QUERIES.ids, the ids of "
            + "--queries-text, or row numbers).")
    Path queriesIds;

    @Option(names = "--corpus-text", description = "JSONL {\"id\", \"text\"} of the corpus: outputs show texts.")
    Path corpusText;

    @Option(names = "--queries-text", description = "JSONL {\"id\", \"text\"} of the queries.")
    Path queriesText;

    @Mixin
    MiningOptions mining;

    @Option(names = "--output", required = true, description = "Output file (npy: NAME.ids.npy, NAME.scores.npy, "
            + "NAME.anchors.npy).")
    Path output;

    @Option(names = "--threads", description = "Mining threads (default: all cores).")
    Integer threads;

    @Option(names = "--block-size", description = "Anchors per block (default: 256 with flat, 8192 with IVF).")
    Integer blockSize;

    @Option(names = "--strict", description = "Fail on ids that name no row and on listed anchors without a positive"
            + " (default: count and report them).")
    boolean strict;

    @Option(names = "--resume", description = "Continue a killed run from its checkpoint (same options required).")
    boolean resume;

    @Option(names = "--checkpoint-seconds", defaultValue = "10",
            description = "Seconds between checkpoints (default: ${DEFAULT-VALUE}).")
    double checkpointSeconds;

    @Option(names = "--pause-per-block-ms", hidden = true, defaultValue = "0",
            description = "Testing: pause after each block written, so a test can kill the run mid-way.")
    long pausePerBlockMs;

    @Override
    public Integer call() {
        MiningConfig config;
        OutputOptions outputOptions;
        QrelsFormat format;
        try {
            config = mining.config();
            outputOptions = mining.output();
            format = qrelsFormat == null ? null : QrelsFormat.parse(qrelsFormat);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Path ivf = index.equals("flat") ? null : Path.of(index);
        if (ivf == null && nprobe != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--nprobe needs --index FILE.qivf");
        }
        if (nprobe != null && nprobe < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--nprobe=" + nprobe + ", expected >= 1");
        }
        int workers = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (workers < 1 || (blockSize != null && (blockSize < 1 || blockSize > 1 << 20)) || checkpointSeconds < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads=" + workers + " --block-size="
                    + blockSize + " --checkpoint-seconds=" + checkpointSeconds + ", expected threads >= 1, "
                    + "1 <= block-size <= 1048576, checkpoint-seconds >= 0");
        }
        MiningRequest request = MiningRequest.builder(corpus, qrels, output).queries(queries).qrelsFormat(format)
                .knownPositives(knownPositives).anchors(anchors).ids(corpusIds, queriesIds)
                .texts(corpusText, queriesText).index(ivf, nprobe == null ? 0 : nprobe).config(config)
                .outputOptions(outputOptions).threads(workers).blockSize(blockSize == null ? 0 : blockSize)
                .resume(resume).strict(strict).checkpointIntervalNanos((long) (checkpointSeconds * 1e9))
                .pauseNanosPerBlock(TimeUnit.MILLISECONDS.toNanos(pausePerBlockMs)).build();
        MiningReport report = new MiningRunner(VectorKernelsProvider.get()).run(request, spec.commandLine().getErr());
        report.print(spec.commandLine().getOut(), config.describe());
        return ExitCodes.OK;
    }
}
