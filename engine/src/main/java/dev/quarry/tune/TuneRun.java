package dev.quarry.tune;

import dev.quarry.Progress;
import dev.quarry.QuarryDataException;
import dev.quarry.eval.HeldoutQueries;
import dev.quarry.eval.HeldoutRecall;
import dev.quarry.files.AtomicOutput;
import dev.quarry.files.OutputClaim;
import dev.quarry.index.SearchParams;
import dev.quarry.index.SearchThreads;
import dev.quarry.labels.IdMap;
import dev.quarry.labels.Qrels;
import dev.quarry.labels.QrelsReader;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MiningConfig;
import dev.quarry.io.OptionsFile;
import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import dev.quarry.pipeline.BlockLayout;
import dev.quarry.pipeline.MiningInputs;
import dev.quarry.pipeline.MiningRequest;
import dev.quarry.pipeline.MiningRunner;
import dev.quarry.pipeline.StoreIds;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a {@link TuneRequest}: claims the files, opens the training inputs as {@code quarry mine} does,
 * builds the held-out set (files, or a seeded split), mines the training anchors once per candidate and
 * seed that changes what is mined ({@link CandidateMining}: one search per block for all of them), trains
 * an adapter per candidate and seed ({@link AdapterTrainer}, one thread each, several side by side) and
 * evaluates it on the held-out queries by exact search, then writes the best candidate's options file
 * and the JSON report. Every problem with the inputs is reported before any mining starts.
 */
public final class TuneRun {
    private final VectorKernels kernels;

    public TuneRun(VectorKernels kernels) {
        this.kernels = kernels;
    }

    /** Runs the request; progress goes to {@code progress} (may be null). */
    public TuneReport run(TuneRequest r, PrintWriter progress) {
        long start = System.nanoTime();
        MiningRequest training = miningRequest(r);
        try (OutputClaim claim = MiningRunner.inputsOf(training).input("heldoutQueries", r.heldoutQueries())
                .input("heldoutQrels", r.heldoutQrels()).input("truth", r.truth())
                .input("candidates", r.candidatesFile()).output(r.output()).output(r.json()).claim();
             MiningInputs inputs = MiningInputs.open(training, kernels, progress);
             VectorStore heldoutStore = r.heldoutQueries() == null ? null : VectorStore.open(r.heldoutQueries());
             StoreIds heldoutIds = heldoutStore == null ? null : StoreIds.of(heldoutStore, null, null)) {
            VectorStore corpus = inputs.corpus();
            checkCandidates(r, corpus);
            if (heldoutStore != null) {
                heldoutStore.content(progress).requireFinite(heldoutStore, "heldoutQueries");
            }
            Heldout heldout = heldout(r, inputs, heldoutStore, heldoutIds);
            Qrels labels = inputs.labels().qrels();
            Qrels known = knownPositives(r, inputs);
            BlockLayout layout = new BlockLayout(heldout.training, labels, inputs.knownPairs(),
                    inputs.anchorsAreCorpusRows(), inputs.request().effectiveBlockSize());

            List<TuneCandidate> candidates = new ArrayList<>(r.candidates());
            candidates.add(TuneCandidate.inBatchOnly());
            // Mining runs: one per candidate, or one per seed when the candidate samples at random.
            List<MiningConfig> configs = new ArrayList<>();
            int[][] runOf = new int[candidates.size()][r.seeds()];
            for (int c = 0; c < candidates.size(); c++) {
                TuneCandidate cand = candidates.get(c);
                for (int s = 0; s < r.seeds(); s++) {
                    if (!cand.mines()) {
                        runOf[c][s] = -1;
                    } else if (s > 0 && !cand.seeded()) {
                        runOf[c][s] = runOf[c][0];
                    } else {
                        runOf[c][s] = configs.size();
                        configs.add(cand.config().withSeed(r.seed() + s));
                    }
                }
            }
            Progress mining = new Progress("tune: mine " + configs.size() + " configurations", "anchors",
                    heldout.training.length, progress);
            MinedAnchor[][] mined = CandidateMining.mine(configs, inputs.index(), corpus, inputs.queries(), kernels,
                    layout, inputs.searchParams(), training.threads(), mining);
            mining.finish();
            List<MinedSetSummary> summaries = new ArrayList<>();
            List<TrainingExamples> examples = new ArrayList<>();
            for (int m = 0; m < configs.size(); m++) {
                summaries.add(MinedSetSummary.of(mined[m], configs.get(m), known));
                examples.add(TrainingExamples.of(java.util.Arrays.asList(mined[m]), true));
                mined[m] = null; // the examples hold what training needs
            }
            TrainingExamples inBatch = TrainingExamples.inBatchOnly(heldout.training, labels);

            AdapterTrainer trainer = new AdapterTrainer(corpus, inputs.queries(), kernels, r.training());
            double[][][] metrics = new double[candidates.size()][4][r.seeds()];
            int jobs = candidates.size() * r.seeds();
            Progress trainings = new Progress("tune: train and evaluate", "adapters", jobs, progress);
            AtomicInteger next = new AtomicInteger();
            AtomicBoolean failed = new AtomicBoolean();
            HeldoutRecall[] untrained = new HeldoutRecall[1];
            SearchThreads.run("quarry-tune-train", Math.max(1, Math.min(training.threads(), jobs + 1)), part -> {
                for (int j = next.getAndIncrement(); j <= jobs && !failed.get(); j = next.getAndIncrement()) {
                    try {
                        if (j == jobs) {
                            untrained[0] = HeldoutRecall.measure(corpus, heldout.queries, null, kernels, 1);
                            continue;
                        }
                        int c = j / r.seeds();
                        int s = j % r.seeds();
                        TrainingExamples ex = runOf[c][s] < 0 ? inBatch : examples.get(runOf[c][s]);
                        AdapterTrainer.Trained t = trainer.train(ex, r.seed() + s);
                        HeldoutRecall e = HeldoutRecall.measure(corpus, heldout.queries, t.adapter(), kernels, 1);
                        metrics[c][0][s] = e.recallAt10();
                        metrics[c][1][s] = e.ndcgAt10();
                        metrics[c][2][s] = e.recallAt100();
                        metrics[c][3][s] = t.lastEpochLoss();
                        trainings.advance(1);
                    } catch (RuntimeException | Error e) {
                        failed.set(true);
                        throw e;
                    }
                }
            });
            trainings.finish();

            List<TuneReport.Row> rows = new ArrayList<>();
            int baseline = candidates.size() - 1;
            int best = -1;
            for (int c = 0; c < candidates.size(); c++) {
                List<MinedSetSummary> minedBy = new ArrayList<>();
                for (int s = 0; s < r.seeds(); s++) {
                    if (runOf[c][s] >= 0 && (s == 0 || runOf[c][s] != runOf[c][0])) {
                        minedBy.add(summaries.get(runOf[c][s]));
                    }
                }
                rows.add(new TuneReport.Row(candidates.get(c), metrics[c][0], metrics[c][1], metrics[c][2],
                        metrics[c][3], List.copyOf(minedBy)));
                if (candidates.get(c).mines()
                        && (best < 0 || TuneReport.mean(metrics[c][0]) > TuneReport.mean(metrics[best][0]))) {
                    best = c;
                }
            }
            SearchParams probing = inputs.searchParams();
            String search = inputs.index().describe() + (training.index() == null ? "" : ", nprobe "
                    + training.nprobe() + (probing.probeMargin() == Float.POSITIVE_INFINITY ? ""
                    : ", probe margin " + probing.probeMargin()));
            TuneReport.Setup setup = new TuneReport.Setup(heldout.training.length, heldout.queries.size(),
                    heldout.source, corpus.count(), corpus.dim(), search, r.training(), r.seed(), r.seeds(),
                    r.truth() != null || training.knownPositives() != null);
            TuneReport report = new TuneReport(rows, baseline, best, untrained[0], setup,
                    (System.nanoTime() - start) / 1e9);
            OptionsFile.write(r.output(), report.bestOptions(), report.source(), report.warning());
            if (r.json() != null) {
                write(r.json(), report.json());
            }
            return report;
        }
    }

    /**
     * The training inputs as a mining request whose configuration is the candidate with the shallowest rank
     * window (the inputs check a window against the corpus; every candidate's is checked after).
     */
    private static MiningRequest miningRequest(TuneRequest r) {
        MiningConfig shallowest = r.candidates().stream().filter(TuneCandidate::mines).map(TuneCandidate::config)
                .min(java.util.Comparator.comparingInt(MiningConfig::rangeMax)).orElseThrow();
        MiningRequest in = r.inputs();
        MineOptions options = shallowest.options().toBuilder()
                .set(MineSettings.NPROBE, in.options().get(MineSettings.NPROBE))
                .set(MineSettings.PROBE_MARGIN, in.options().get(MineSettings.PROBE_MARGIN)).build();
        return new MiningRequest(in.corpus(), in.queries(), in.qrels(), in.qrelsFormat(), in.knownPositives(),
                in.anchors(), in.corpusIds(), in.queriesIds(), in.corpusText(), in.queriesText(), in.index(),
                options, in.output(), in.threads(), in.blockSize(), false, in.strict(),
                in.checkpointIntervalNanos(), null, in.strategy(), null);
    }

    private static void checkCandidates(TuneRequest r, VectorStore corpus) {
        for (TuneCandidate c : r.candidates()) {
            if (c.mines()) {
                try {
                    MineSettings.checkCorpus(c.config().options(), corpus.count(), String.valueOf(r.inputs().corpus()));
                } catch (OptionError e) {
                    throw new OptionError(e.field(), e.value(), e.expected() + ", in candidate '" + c.name() + "'");
                }
            }
        }
    }

    /** The training anchors and the held-out queries. */
    private record Heldout(int[] training, HeldoutQueries queries, String source) {
    }

    private static Heldout heldout(TuneRequest r, MiningInputs inputs, VectorStore heldoutStore,
                                   StoreIds heldoutStoreIds) {
        int[] labelled = inputs.anchors().ordinals();
        if (r.heldoutQrels() == null) {
            Path qrels = r.inputs().qrels();
            HeldoutSplit split = HeldoutSplit.of(labelled, r.heldoutSplit(), r.seed(), qrels);
            HeldoutQueries queries = HeldoutQueries.of(inputs.queries(), inputs.labels().qrels(), split.heldout(),
                    inputs.anchorsAreCorpusRows(), qrels);
            String share = r.heldoutSplit() < 1 ? String.format(Locale.ROOT, "%.0f%%", 100 * r.heldoutSplit())
                    : String.format(Locale.ROOT, "%,d", (long) r.heldoutSplit());
            return new Heldout(split.training(), queries, "a seeded split of " + share + " of the labelled anchors");
        }
        VectorStore store = heldoutStore == null ? inputs.queries() : heldoutStore;
        if (store.dim() != inputs.corpus().dim()) {
            throw new QuarryDataException(r.heldoutQueries(), "dim", store.dim(), inputs.corpus().dim() + " as in "
                    + r.inputs().corpus());
        }
        IdMap ids = heldoutStoreIds == null ? inputs.queryIds().ids() : heldoutStoreIds.ids();
        QrelsReader.Result read = new QrelsReader(ids, inputs.corpusIds().ids(), r.inputs().strict()).read(r.heldoutQrels(),
                null);
        Qrels heldoutPairs = read.qrels();
        if (heldoutPairs.anchorCount() == 0) {
            throw new QuarryDataException(r.heldoutQrels(), "positives in the corpus", "0 of "
                    + read.report().pairsRead() + " pairs", "held-out pairs naming a held-out query and a corpus row ("
                    + read.report().unknownAnchors() + " named an unknown query, " + read.report().unknownDocs()
                    + " an unknown document)");
        }
        // Held out means never trained on: an anchor in both sets is refused, named by its id.
        BitSet training = new BitSet();
        for (int a : labelled) {
            training.set(a);
        }
        IdMap trainingIds = inputs.queryIds().ids();
        for (int h : heldoutPairs.anchors()) {
            String id = ids.id(h);
            int t = heldoutStoreIds == null ? h : trainingIds.ordinal(id);
            if (t >= 0 && training.get(t)) {
                throw new QuarryDataException(r.heldoutQrels(), "anchor id", id, "held-out anchors that are not"
                        + " training anchors (" + id + " has positives in " + r.inputs().qrels() + " too)");
            }
        }
        boolean selfRows = heldoutStoreIds == null && inputs.anchorsAreCorpusRows();
        HeldoutQueries queries = HeldoutQueries.of(store, heldoutPairs, selfRows, r.heldoutQrels());
        return new Heldout(labelled, queries, "from " + r.heldoutQrels());
    }

    /** Pairs a mined negative must not be: known positives and the truth file's. */
    private static Qrels knownPositives(TuneRequest r, MiningInputs inputs) {
        Qrels.Builder all = new Qrels.Builder();
        all.addAll(inputs.knownPairs());
        if (r.truth() != null) {
            all.addAll(TruthPairs.read(r.truth(), inputs.queryIds().ids(), inputs.corpusIds().ids()));
        }
        return all.build();
    }

    private static void write(java.nio.file.Path file, byte[] bytes) {
        try (AtomicOutput out = AtomicOutput.create(file)) {
            out.writeFully(bytes);
            out.commit();
        }
    }
}
