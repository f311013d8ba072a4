package dev.quarry.cli;

import dev.quarry.mining.strategy.BatchBuilder;
import dev.quarry.mining.strategy.Fusion;
import dev.quarry.mining.strategy.Strategy;
import dev.quarry.io.OptionsFile;
import dev.quarry.options.CommandFlags;
import dev.quarry.options.Door;
import dev.quarry.options.MineOptions;
import dev.quarry.options.OptionError;
import dev.quarry.pipeline.CrossModelStrategySpec;
import dev.quarry.pipeline.MiningReport;
import dev.quarry.pipeline.MiningRequest;
import dev.quarry.pipeline.MiningRunner;
import dev.quarry.vector.ColdStartKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
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
final class MineCommand implements Callable<Integer>, SchemaOptions.Mines {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = CommandFlags.STRATEGY, defaultValue = "index", description = "index (nearest neighbours), in-batch,"
            + " run-file (a model's ranked predictions) or cross-model (default: ${DEFAULT-VALUE}).")
    String strategy;

    @Mixin
    MiningInputOptions inputs;

    @Option(names = CommandFlags.RUN, description = "run-file: a TREC run (qid Q0 docid rank score tag) or JSONL "
            + "{\"anchor\", \"candidates\", \"scores\"}.")
    Path run;

    @Option(names = CommandFlags.BATCH_SIZE, description = "in-batch: anchors per training batch.")
    Integer batchSize;

    @Option(names = CommandFlags.BATCH_ORDER, defaultValue = "kmeans", description = "in-batch: group anchors by kmeans "
            + "(on their vectors), ivf (their first list; needs --index) or random (default: ${DEFAULT-VALUE}).")
    String batchOrder;

    @Option(names = "--batch-order-output", description = "in-batch: write the batch order (batch, anchor id) here.")
    Path batchOrderOutput;

    @Option(names = CommandFlags.MODEL, description = "cross-model: another embedding of the corpus, as CORPUS.qvec or "
            + "CORPUS.qvec,QUERIES.qvec; repeat for more models (--corpus/--queries is the primary). From texts "
            + "(--corpus-text without --corpus): the model that embeds them, minilm (default), bge-small, e5-small "
            + "or a model directory.")
    List<String> models;

    @Option(names = "--cross-model", split = ",", description = "From texts: more models (bge-small, e5-small, a "
            + "directory) that embed the same texts for the cross-model strategy, which this selects.")
    List<String> crossModels;

    @Option(names = CommandFlags.AGREEMENT, defaultValue = "0",
            description = "cross-model: models that must place a negative in the rank window (default: all).")
    int agreement;

    @Option(names = CommandFlags.FUSION, defaultValue = "primary",
            description = "cross-model: order by the primary model's score or by rrf (default: ${DEFAULT-VALUE}).")
    String fusion;

    /** The request's settings (--num-negatives, --range-min, ...), declared by the schema. */
    private final SchemaOptions mining = new SchemaOptions();

    @Override
    public SchemaOptions schemaOptions() {
        return mining;
    }

    @Option(names = "--options-file", description = "Mining settings read from this file (JSON by the request"
            + " schema's keys, as quarry tune writes its best configuration; quarry serve and the Python client read"
            + " the same file); settings given on the command line win.")
    Path optionsFile;

    @Option(names = "--output", required = true, description = "Output file (npy: NAME.ids.npy, NAME.scores.npy, "
            + "NAME.anchors.npy).")
    Path output;

    @Option(names = "--negatives-store", description = "Also put every mined anchor's negatives (corpus ids,"
            + " scores) into this negatives store, by anchor id: created when new, updated in place when it exists,"
            + " readable by other processes while the run writes (quarry serve, trainer ranks).")
    Path negativesStore;

    @Option(names = CommandFlags.THREADS, description = "Mining threads (default: all cores).")
    Integer threads;

    @Option(names = CommandFlags.RESUME, description = "Continue a killed run from its checkpoint (same options required).")
    boolean resume;

    @Option(names = "--checkpoint-seconds", defaultValue = "10", converter = NumberOptions.Finite.class,
            description = "Seconds between checkpoints (default: ${DEFAULT-VALUE}).")
    double checkpointSeconds;

    /** Files the run reads its vectors from: given, or embedded from texts. */
    private record Vectors(Path corpus, Path queries, List<String> models) {
    }

    /**
     * From texts (--corpus-text without --corpus, any strategy but run-file): the texts embedded by --model
     * and each --cross-model, through the embed module; otherwise the files given.
     */
    private Vectors vectors() {
        boolean fromTexts = inputs.corpus() == null && inputs.corpusText() != null
                && Strategy.parse(strategy) != Strategy.RUN_FILE;
        if (!fromTexts) {
            if (crossModels != null && !crossModels.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--cross-model goes with texts to embed "
                        + "(--corpus-text without --corpus); with embeddings use --strategy cross-model --model FILES");
            }
            return new Vectors(inputs.corpus(), inputs.queries(), models);
        }
        if (inputs.queries() != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--queries goes with --corpus; from texts "
                    + "give --queries-text");
        }
        if (models != null && models.size() > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--model=" + String.join(",", models)
                    + ", expected one model to embed the texts (more go to --cross-model)");
        }
        Strategy chosen = Strategy.parse(strategy);
        boolean cross = crossModels != null && !crossModels.isEmpty();
        if (cross && chosen != Strategy.INDEX && chosen != Strategy.CROSS_MODEL) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--cross-model selects the cross-model "
                    + "strategy, not --strategy " + strategy);
        }
        if (!cross && chosen == Strategy.CROSS_MODEL) {
            throw new CommandLine.ParameterException(spec.commandLine(), "from texts, --strategy cross-model needs "
                    + "--cross-model MODEL (the models that embed the texts beside --model)");
        }
        TextEmbeddings embeddings = TextEmbeddings.find().orElseThrow(() -> new CommandLine.ParameterException(
                spec.commandLine(), TextEmbeddings.missingMessage("mining from texts (--corpus-text without --corpus)")));
        java.io.PrintWriter err = spec.commandLine().getErr();
        String primary = models == null || models.isEmpty() ? "minilm" : models.getFirst();
        Path c = embeddings.embed(inputs.corpusText(), primary, TextEmbeddings.Role.PASSAGE, err);
        Path q = inputs.queriesText() == null ? null
                : embeddings.embed(inputs.queriesText(), primary, TextEmbeddings.Role.QUERY, err);
        List<String> more = null;
        if (cross) {
            strategy = "cross-model";
            more = new ArrayList<>();
            for (String m : crossModels) {
                Path mc = embeddings.embed(inputs.corpusText(), m, TextEmbeddings.Role.PASSAGE, err);
                Path mq = inputs.queriesText() == null ? null
                        : embeddings.embed(inputs.queriesText(), m, TextEmbeddings.Role.QUERY, err);
                more.add(mq == null ? mc.toString() : mc + "," + mq);
            }
        }
        return new Vectors(c, q, more);
    }

    /** Checks the options of the chosen strategy and sets it on the request. */
    private void strategy(MiningRequest.Builder builder, Path corpus, List<String> models) {
        Strategy chosen = Strategy.parse(strategy);
        if (chosen != Strategy.RUN_FILE && corpus == null) {
            throw new IllegalArgumentException("--corpus is required (only --strategy run-file mines without embeddings)");
        }
        if ((run != null) != (chosen == Strategy.RUN_FILE)) {
            throw new IllegalArgumentException("--run goes with --strategy run-file, and run-file needs --run");
        }
        if ((batchSize != null) != (chosen == Strategy.IN_BATCH)) {
            throw new IllegalArgumentException("--batch-size goes with --strategy in-batch, and in-batch needs it");
        }
        if ((models != null && !models.isEmpty()) != (chosen == Strategy.CROSS_MODEL)) {
            throw new IllegalArgumentException("--model goes with --strategy cross-model, and cross-model needs at "
                    + "least one --model");
        }
        switch (chosen) {
            case RUN_FILE -> builder.runFile(run);
            case IN_BATCH -> builder.inBatch(batchSize, BatchBuilder.Grouping.parse(batchOrder), batchOrderOutput);
            case CROSS_MODEL -> {
                List<CrossModelStrategySpec.ModelFiles> more = new ArrayList<>();
                for (String m : models) {
                    String[] parts = m.split(",", -1);
                    if (parts.length > 2 || parts[0].isBlank()) {
                        throw new IllegalArgumentException("--model=" + m + ", expected CORPUS.qvec or "
                                + "CORPUS.qvec,QUERIES.qvec");
                    }
                    more.add(new CrossModelStrategySpec.ModelFiles(Path.of(parts[0]),
                            parts.length == 2 ? Path.of(parts[1]) : null));
                }
                if (agreement < 0) {
                    throw new IllegalArgumentException("--agreement=" + agreement + ", expected >= 1");
                }
                builder.crossModel(more, agreement, Fusion.parse(fusion));
            }
            case INDEX -> {
                // the default
            }
        }
    }

    /**
     * The options of --options-file with those typed on the command line over them: the file is checked on its
     * own first (its values are the file's data, exit 3), then with the command line's (settings that do not go
     * together are a usage error, exit 2).
     */
    private MineOptions options() {
        if (optionsFile == null) {
            return mining.options();
        }
        MineOptions fromFile = OptionsFile.read(optionsFile, Door.CLI);
        try {
            return mining.options(fromFile);
        } catch (OptionError e) {
            throw new CommandLine.ParameterException(spec.commandLine(), Door.CLI.render(e) + " (with the options of "
                    + optionsFile + ")");
        }
    }

    @Override
    public Integer call() {
        MineOptions options = options();
        int workers = ThreadCount.resolve(threads, spec.commandLine());
        if (!(checkpointSeconds >= 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--checkpoint-seconds=" + checkpointSeconds
                    + ", expected a number of seconds >= 0");
        }
        Vectors vectors;
        try {
            vectors = vectors();
        } catch (IllegalArgumentException e) {
            if (e instanceof dev.quarry.QuarryUsageException) {
                throw e;
            }
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        MiningRequest.Builder builder = inputs.request(output, options, vectors.corpus(), vectors.queries(), false)
                .threads(workers).resume(resume).checkpointIntervalNanos((long) (checkpointSeconds * 1e9))
                .negativesStore(negativesStore);
        try {
            strategy(builder, vectors.corpus(), vectors.models());
        } catch (IllegalArgumentException e) {
            if (e instanceof dev.quarry.QuarryUsageException) {
                throw e;
            }
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        MiningRequest request = builder.build();
        if (optionsFile != null) {
            for (Path out : dev.quarry.io.MinedOutput.filesFor(output, request.outputOptions().format())) {
                dev.quarry.files.OutputClaim.refuseIfInput(out, "optionsFile", optionsFile);
            }
            dev.quarry.files.OutputClaim.refuseIfInput(request.summaryFile(), "optionsFile", optionsFile);
            if (negativesStore != null) {
                dev.quarry.files.OutputClaim.refuseIfInput(negativesStore, "optionsFile", optionsFile);
            }
        }
        // A run too small to warm the SIMD kernels up scores with plain loops of the same bits (ColdStartKernels).
        MiningReport report = new MiningRunner(ColdStartKernels.around(VectorKernelsProvider.get()))
                .run(request, spec.commandLine().getErr());
        report.print(spec.commandLine().getOut(), request.config().describe());
        return ExitCodes.OK;
    }
}
