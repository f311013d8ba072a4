package dev.quarry.pipeline;

import dev.quarry.files.AtomicOutput;
import dev.quarry.files.ContentChecksum;
import dev.quarry.files.OutputClaim;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.io.MinedOutput;
import dev.quarry.io.StoreTexts;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MiningStats;
import dev.quarry.negatives.MinedNegativesWriter;
import dev.quarry.negatives.NegativesStore;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs a {@link MiningRequest} (files and options) in four stages, each a class of its own:
 * <ol>
 *   <li>claim the files: inputs are regular files, no output is an input, outputs are locked
 *       ({@link OutputClaim});</li>
 *   <li>resolve the inputs: stores, ids, texts, labels, anchors, the index ({@link MiningInputs});</li>
 *   <li>build the candidate source, one factory per strategy ({@link StrategySpec#plan}), and run the
 *       pipeline ({@link MiningPipeline});</li>
 *   <li>write the summary beside the output ({@link MiningSummary}).</li>
 * </ol>
 * Every problem with the inputs is reported before any mining starts.
 */
public final class MiningRunner {
    /** Kernel work above which a run warms the kernels up first. */
    private static final double WARM_UP_FLOPS = 2e9;

    private final VectorKernels kernels;

    public MiningRunner(VectorKernels kernels) {
        this.kernels = kernels;
    }

    /** Runs the request; progress lines go to {@code progress} (may be null). */
    public MiningReport run(MiningRequest request, PrintWriter progress) {
        try (OutputClaim claim = claim(request);
             EarlyWarmUp early = EarlyWarmUp.startFor(kernels, request.qrels());
             MiningInputs inputs = MiningInputs.open(request, kernels, progress);
             NegativesStore store = openStore(request, inputs)) {
            SourcePlan plan = request.strategy().plan(inputs);
            warmUpIfItPays(plan, early);
            MinedOutput output = new MinedOutput(request.output(), request.outputOptions(),
                    new StoreTexts(inputs.queryText(), inputs.queryIds().ids(), inputs.corpusText(),
                            inputs.corpusIds().ids()));
            MiningJob job = new MiningJob(plan.sources(), plan.batch(), inputs.corpus(), inputs.queries(), kernels, inputs.config(),
                    plan.order(), inputs.labels().qrels(), inputs.knownPairs(), inputs.anchorsAreCorpusRows(), output,
                    request.threads(), request.effectiveBlockSize(), fingerprint(inputs, plan), request.resume(),
                    request.checkpointIntervalNanos(), progress, listener(request, inputs, store));
            MiningPipeline.Result result = MiningPipeline.run(job);
            MiningReport report = report(inputs, plan.name(), result.stats(), result.files(), request.threads(),
                    result.seconds(), result.anchorsThisRun(), result.startBlock());
            MiningSummary.write(report, request, inputs.config().describe());
            return report;
        }
    }

    /** The run's negatives store, sized for its anchors, or null when it has none. */
    private static NegativesStore openStore(MiningRequest request, MiningInputs inputs) {
        if (request.negativesStore() == null) {
            return null;
        }
        NegativesStore store = NegativesStore.open(request.negativesStore(),
                Math.max(1, inputs.anchors().ordinals().length));
        inputs.note("negatives store " + request.negativesStore() + ": every mined anchor put, with index version 0"
                + (store.recovered() ? " (" + store.recovery() + ")" : ""));
        return store;
    }

    /** The request's listener, then the store's writer: both see every anchor in output order. */
    private static Consumer<MinedAnchor> listener(MiningRequest request, MiningInputs inputs, NegativesStore store) {
        if (store == null) {
            return request.listener();
        }
        Consumer<MinedAnchor> toStore = new MinedNegativesWriter(store, inputs.queryIds().ids(),
                inputs.corpusIds().ids(), 0, System::currentTimeMillis);
        return request.listener() == null ? toStore : request.listener().andThen(toStore);
    }

    /**
     * The report of a run over {@code inputs} (opened with labels) that mined with {@code source} into
     * {@code files}: what the labels, anchors and stores held beside the statistics of the mined set.
     */
    public static MiningReport report(MiningInputs inputs, String source, MiningStats stats, List<Path> files,
                                      int threads, double seconds, long anchorsThisRun, int startBlock) {
        AnchorList anchors = inputs.anchors();
        VectorStore corpus = inputs.corpus();
        return new MiningReport(stats, inputs.labels().report(),
                inputs.known() == null ? null : inputs.known().report(), anchors.listed(), anchors.unknown(),
                anchors.withoutPositive(), files, inputs.request().summaryFile(), inputs.corpusIds().ids().size(),
                corpus == null ? 0 : corpus.dim(), source, threads, seconds, anchorsThisRun, startBlock,
                inputs.notes());
    }

    /**
     * Warms the kernels up when the run is big enough to gain from it. Compiling the kernels takes the
     * JIT about a second; a run of a few billion flops is over sooner in the slower tiers, and a user
     * mining 50 anchors should not wait a second for nothing. A warm-up begun while the inputs were
     * opened ({@code early}, for big labels) is waited for instead of run again.
     */
    private void warmUpIfItPays(SourcePlan plan, EarlyWarmUp early) {
        if (plan.flopsPerAnchor() * plan.order().length > WARM_UP_FLOPS) {
            if (early != null) {
                early.await();
            } else {
                kernels.warmUp();
            }
        }
    }

    /**
     * The first half of stage 1: a claim naming every file {@code r} reads; add the outputs and claim it.
     * Runs that write elsewhere than {@link MinedOutput} (a distributed run's Parquet) start here too.
     */
    public static OutputClaim.Builder inputsOf(MiningRequest r) {
        OutputClaim.Builder files = OutputClaim.builder()
                .input("corpus", r.corpus()).input("queries", r.queries()).input("qrels", r.qrels())
                .input("knownPositives", r.knownPositives()).input("anchors", r.anchors())
                .input("corpusIds", r.corpusIds()).input("queriesIds", r.queriesIds())
                .input("corpusText", r.corpusText()).input("queriesText", r.queriesText()).input("index", r.index())
                .updated(r.negativesStore());
        for (Map.Entry<String, Path> in : r.strategy().inputFiles().entrySet()) {
            files.input(in.getKey(), in.getValue());
        }
        return files;
    }

    /** Stage 1: the run's files, checked and its outputs locked before anything is opened. */
    private static OutputClaim claim(MiningRequest r) {
        OutputClaim.Builder files = inputsOf(r);
        List<Path> outputs = MinedOutput.filesFor(r.output(), r.outputOptions().format());
        for (Path out : outputs) {
            files.output(out);
            if (r.resume()) {
                files.keepTemps(AtomicOutput.tempsOf(out));
            }
        }
        files.output(r.summaryFile()).output(Checkpoint.pathFor(outputs.getFirst()));
        r.strategy().outputFiles().forEach(files::output);
        return files.claim();
    }

    private Fingerprint fingerprint(MiningInputs inputs, SourcePlan plan) {
        // Everything a byte of output depends on, including which kernels score (positive scores
        // differ in their last bits between vector widths) and the id files actually used.
        MiningRequest r = inputs.request();
        Fingerprint f = new Fingerprint()
                .addStore("corpus", inputs.corpus())
                .addStore("queries", inputs.anchorsAreCorpusRows() ? null : inputs.queries())
                .addFile("qrels", r.qrels())
                .add("qrels-format", r.qrelsFormat() == null ? "auto" : r.qrelsFormat())
                .addFile("known-positives", r.knownPositives())
                .addFile("anchors", r.anchors())
                .addFile("corpus-ids", inputs.corpusIds().file())
                .addFile("queries-ids", inputs.queryIds().file())
                .addFile("corpus-text", r.corpusText())
                .addFile("queries-text", r.queriesText())
                .add("strategy", r.strategy().kind().cliName())
                .add("source", plan.name());
        r.strategy().fingerprint(f);
        // An IVF file by what it serves (ContentChecksum of the whole file would read it all: the corpus again).
        f = r.index() == null || !(inputs.index() instanceof IvfIndex ivf) ? f.addFile("index-file", r.index())
                : f.add("index-file", r.index().toAbsolutePath().normalize() + " content="
                        + ContentChecksum.hex(ivf.contentChecksum()));
        return f
                .add("nprobe", r.nprobe())
                .add("kernels", kernels.description())
                .add("mining", inputs.config().describe())
                .add("output", r.outputOptions())
                .add("block-size", r.effectiveBlockSize())
                .add("strict", r.strict());
    }
}
