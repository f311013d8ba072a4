package dev.quarry.cli;

import dev.quarry.QuarryDataException;
import dev.quarry.mining.MiningConfig;
import dev.quarry.options.CommandFlags;
import dev.quarry.options.Door;
import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import dev.quarry.options.Setting;
import dev.quarry.tune.TrainingOptions;
import dev.quarry.tune.TuneCandidate;
import dev.quarry.tune.TuneReport;
import dev.quarry.tune.TuneRequest;
import dev.quarry.tune.TuneRun;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quarry tune}: which mining settings buy a trainer the most. Mines the training anchors with each
 * candidate configuration, trains a small model (a linear adapter on the query embeddings) on each mined
 * set, and ranks the configurations by held-out recall@10 after training; writes the best one as an
 * options file that {@code quarry mine --options-file} reads.
 */
@Command(name = "tune", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Choose mining settings by what they buy a trainer: mine the training anchors with each candidate"
                + " configuration, train a linear adapter on the query embeddings on each mined set (InfoNCE with the"
                + " mined and in-batch negatives, several seeds), rank them by held-out recall@10, and write the best"
                + " as an options file for quarry mine --options-file.",
        footer = {"", "Examples:",
                "  quarry tune --corpus corpus.qvec --queries queries.qvec --qrels qrels.tsv --output best.options.json",
                "  quarry tune --corpus corpus.qvec --queries queries.qvec --qrels train.tsv \\",
                "              --heldout-qrels heldout.tsv --truth truth.tsv --candidates mine.candidates \\",
                "              --json tune.json --output best.options.json",
                "  quarry mine --corpus corpus.qvec --queries queries.qvec --qrels qrels.tsv \\",
                "              --options-file best.options.json --output mined.jsonl",
                "",
                "Candidates by default: " + TuneCommand.DEFAULTS_SUMMARY + "; in-batch only is the baseline."})
final class TuneCommand implements Callable<Integer>, SchemaOptions.Mines {
    /** The default candidates: a name and the quarry mine options that give it. */
    static final List<String[]> DEFAULT_CANDIDATES = List.of(
            new String[] {"defaults", ""},
            new String[] {"no defences (plain top-k)", "--no-defences"},
            new String[] {"ranks [30, 100)", "--range-min 30"},
            new String[] {"relative margin 0.1", "--relative-margin 0.1"},
            new String[] {"random from ranks [10, 50)", "--range-max 50 --sampling-strategy random"},
            new String[] {"SimANS from ranks [10, 100)", "--sampling-strategy simans"},
            new String[] {"short anchors kept", "--no-leave-out-short"},
            new String[] {"short anchors widened to rank 1M", "--widen-to 1000000"});
    static final String DEFAULTS_SUMMARY = "the defaults; no defences; ranks [30, 100); relative margin 0.1; random"
            + " from ranks [10, 50); SimANS; short anchors kept; short anchors widened to rank 1M (every rank of a corpus of up to"
            + " a million rows)";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    MiningInputOptions inputs;

    /**
     * --nprobe and --probe-margin, for an IVF index, and --seed, the first seed: the schema's, as quarry mine
     * takes them.
     */
    private final SchemaOptions search = new SchemaOptions(MineSettings.NPROBE, MineSettings.PROBE_MARGIN,
            MineSettings.SEED);

    @Override
    public SchemaOptions schemaOptions() {
        return search;
    }

    @Option(names = CommandFlags.MODEL, defaultValue = "minilm", description = "With texts to embed (--corpus-text without"
            + " --corpus): the model that embeds them, cached beside them as quarry mine does (default:"
            + " ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--truth", description = "True positives beyond the labels, anchor<TAB>doc[<TAB>kind] per line"
            + " (the demos' truth.tsv): mined negatives among them are counted as known false negatives.")
    Path truth;

    @Option(names = "--heldout-qrels", description = "Held-out labels (queries that are not training anchors);"
            + " without them a seeded split of the labelled anchors is held out.")
    Path heldoutQrels;

    @Option(names = CommandFlags.HELDOUT_QUERIES, description = "The held-out queries' embeddings (default: --queries).")
    Path heldoutQueries;

    @Option(names = CommandFlags.HELDOUT_SPLIT, defaultValue = "0.2", converter = NumberOptions.Finite.class,
            description = "Without --heldout-qrels: the share (< 1) or number (>= 1) of labelled anchors held out,"
                    + " chosen by --seed (default: ${DEFAULT-VALUE}).")
    double heldoutSplit;

    @Option(names = CommandFlags.CANDIDATES, description = "More configurations to compare: one set of quarry mine options"
            + " per line (# for a comment), e.g. --range-min 5 --range-max 40 --sampling-strategy random.")
    Path candidates;

    @Option(names = "--no-default-candidates", description = "Compare only the configurations of --candidates"
            + " (and in-batch only).")
    boolean noDefaultCandidates;

    @Option(names = CommandFlags.SEEDS, defaultValue = "3", description = "Seeds per configuration: seed i is --seed + i, for"
            + " sampling, training and the held-out split; the spread over them is the noise a difference must beat"
            + " (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = CommandFlags.TEMPERATURE, defaultValue = "" + TrainingOptions.DEFAULT_TEMPERATURE,
            converter = NumberOptions.Finite.class, description = "InfoNCE temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = CommandFlags.LEARNING_RATE, defaultValue = "" + TrainingOptions.DEFAULT_LEARNING_RATE,
            converter = NumberOptions.Finite.class, description = "Adam's learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = CommandFlags.EPOCHS, defaultValue = "" + TrainingOptions.DEFAULT_EPOCHS,
            description = "Passes over the training examples (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = CommandFlags.BATCH_SIZE, defaultValue = "" + TrainingOptions.DEFAULT_BATCH_SIZE,
            description = "Examples per step; their positives are each other's in-batch negatives"
                    + " (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = CommandFlags.THREADS, description = "Threads (default: all cores).")
    Integer threads;

    @Option(names = "--json", description = "Also write the whole report as JSON.")
    Path json;

    @Option(names = "--output", required = true, description = "The options file the best configuration is written"
            + " to: JSON by the request schema's keys, read by quarry mine --options-file (and by quarry serve and"
            + " the Python client's read_options).")
    Path output;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        int workers = ThreadCount.resolve(threads, cmd);
        if (inputs.corpus() == null && inputs.corpusText() == null) {
            throw new CommandLine.ParameterException(cmd, "give the corpus as --corpus (embeddings) or --corpus-text"
                    + " (texts to embed)");
        }
        if (heldoutQueries != null && heldoutQrels == null) {
            throw new CommandLine.ParameterException(cmd, "--heldout-queries goes with --heldout-qrels");
        }
        TrainingOptions training = new TrainingOptions(temperature, learningRate, epochs, batchSize);
        List<TuneCandidate> list = candidates();
        Path corpusFile = inputs.corpus();
        Path queriesFile = inputs.queries();
        if (corpusFile == null) { // texts to embed, as quarry mine embeds them
            if (queriesFile != null) {
                throw new CommandLine.ParameterException(cmd, "--queries goes with --corpus; from texts give"
                        + " --queries-text");
            }
            TextEmbeddings embeddings = TextEmbeddings.find().orElseThrow(() -> new CommandLine.ParameterException(cmd,
                    TextEmbeddings.missingMessage("tuning from texts (--corpus-text without --corpus)")));
            PrintWriter err = cmd.getErr();
            corpusFile = embeddings.embed(inputs.corpusText(), model, TextEmbeddings.Role.PASSAGE, err);
            queriesFile = inputs.queriesText() == null ? null
                    : embeddings.embed(inputs.queriesText(), model, TextEmbeddings.Role.QUERY, err);
        }
        TuneRequest request = new TuneRequest(inputs.request(null, search.options(), corpusFile, queriesFile, false)
                .threads(workers).build(), heldoutQueries, heldoutQrels, heldoutSplit, truth, candidates, list, training,
                search.options().get(MineSettings.SEED), seeds, output, json);
        TuneReport report = new TuneRun(VectorKernelsProvider.get()).run(request, cmd.getErr());
        PrintWriter out = cmd.getOut();
        report.print(out);
        out.println("wrote " + output + (json == null ? "" : " and " + json) + "; mine with it: quarry mine ..."
                + " --options-file " + output);
        if (report.warning() != null) {
            cmd.getErr().println("quarry tune: warning: " + report.warning());
        }
        return ExitCodes.OK;
    }

    /** The default candidates (unless switched off) and those of --candidates, each read as quarry mine's options. */
    private List<TuneCandidate> candidates() {
        List<TuneCandidate> list = new ArrayList<>();
        if (!noDefaultCandidates) {
            for (String[] c : DEFAULT_CANDIDATES) {
                MineOptions options = c[1].isEmpty() ? MineOptions.defaults()
                        : CandidatesFile.options(Path.of("the default candidates"), list.size() + 1, c[1]);
                list.add(new TuneCandidate(c[0], c[1], MiningConfig.of(options)));
            }
        }
        if (candidates != null) {
            for (CandidatesFile.Line line : CandidatesFile.read(candidates)) {
                for (Setting<?> own : List.of(MineSettings.SEED, MineSettings.NPROBE, MineSettings.PROBE_MARGIN)) {
                    if (line.options().isGiven(own)) {
                        String flag = Door.CLI.name(own);
                        throw new QuarryDataException(candidates, "line " + line.number() + " " + flag,
                                own.text(line.options().get(own)), "no " + flag + " in a candidate: tune sets it for"
                                + " every candidate (" + flag + (own == MineSettings.SEED ? ", --seeds" : "")
                                + " of quarry tune)");
                    }
                }
                list.add(new TuneCandidate(line.text(), line.text(), MiningConfig.of(line.options())));
            }
        } else if (noDefaultCandidates) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--no-default-candidates needs --candidates"
                    + " FILE (the configurations to compare)");
        }
        return list;
    }
}
