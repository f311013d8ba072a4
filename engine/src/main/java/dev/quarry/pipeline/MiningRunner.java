package dev.quarry.pipeline;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.index.SearchParams;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.files.AtomicOutput;
import dev.quarry.io.JsonlTexts;
import dev.quarry.io.MinedOutput;
import dev.quarry.io.StoreTexts;
import dev.quarry.labels.IdMap;
import dev.quarry.labels.Qrels;
import dev.quarry.labels.QrelsReader;
import dev.quarry.labels.QrelsReport;
import dev.quarry.labels.RunFile;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.strategy.BatchBuilder;
import dev.quarry.mining.strategy.CandidateSource;
import dev.quarry.mining.strategy.CrossModelSource;
import dev.quarry.mining.strategy.InBatchSource;
import dev.quarry.mining.strategy.RunFileSource;
import dev.quarry.mining.strategy.Strategy;
import dev.quarry.mining.strategy.IndexSource;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Turns a {@link MiningRequest} (files and options) into a run: opens the stores, resolves ids
 * (id files, text files' ids, or ordinals), reads the labels, picks the anchors, checks that
 * everything fits together, runs the {@link MiningPipeline} and writes the summary JSON beside the
 * output. Every problem with the inputs is reported before any mining starts.
 */
public final class MiningRunner {
    // The generator must not close the channel: AtomicOutput still has to force and rename it.
    private static final JsonFactory JSON = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

    private final VectorKernels kernels;

    public MiningRunner(VectorKernels kernels) {
        this.kernels = kernels;
    }

    /** Runs the request; progress lines go to {@code progress} (may be null). */
    public MiningReport run(MiningRequest request, PrintWriter progress) {
        Deque<AutoCloseable> open = new ArrayDeque<>();
        List<String> notes = new ArrayList<>();
        try {
            boolean runFile = request.strategy() == Strategy.RUN_FILE;
            if (runFile && request.run() == null) {
                throw new QuarryUsageException("--strategy run-file needs --run FILE");
            }
            VectorStore corpus = request.corpus() == null && runFile ? null
                    : remember(open, VectorStore.open(request.corpus()));
            boolean corpusAnchors = request.queries() == null;
            VectorStore queries = corpusAnchors ? corpus : remember(open, VectorStore.open(request.queries()));
            if (corpus != null && queries.dim() != corpus.dim()) {
                throw new QuarryDataException(request.queries(), "dim", queries.dim(),
                        corpus.dim() + " as in " + request.corpus());
            }
            if (corpus != null && request.strategy() == Strategy.INDEX && request.config().rangeMax() > corpus.count()) {
                throw new QuarryUsageException("--range-max=" + request.config().rangeMax()
                        + ", expected at most the corpus size (" + corpus.count() + " rows in " + request.corpus() + ")");
            }
            MiningConfig config = request.config();
            if (corpus == null && !Double.isNaN(config.nearDuplicate())) {
                config = config.withNearDuplicate(Double.NaN);
                notes.add("near-duplicate filter off: no corpus embeddings to compare with (give --corpus to use it)");
            }
            StoreIds corpusIds = idsOf(open, corpus, request.corpusIds(), request.corpusText());
            StoreIds queryIds = corpusAnchors ? corpusIds
                    : idsOf(open, queries, request.queriesIds(), request.queriesText());
            long corpusRows = corpusIds.ids().size();
            JsonlTexts corpusText = request.corpusText() == null ? null
                    : remember(open, JsonlTexts.open(request.corpusText(), corpusIds.ids(), corpusRows));
            JsonlTexts queryText = corpusAnchors ? corpusText : request.queriesText() == null ? null
                    : remember(open, JsonlTexts.open(request.queriesText(), queryIds.ids(), queryIds.ids().size()));

            QrelsReader reader = new QrelsReader(queryIds.ids(), corpusIds.ids(), request.strict());
            QrelsReader.Result labels = reader.read(request.qrels(), request.qrelsFormat());
            QrelsReader.Result known = request.knownPositives() == null ? null
                    : reader.read(request.knownPositives(), request.qrelsFormat());
            RunFile run = runFile ? RunFile.read(request.run(), queryIds.ids(), corpusIds.ids(), request.strict())
                    : null;
            Anchors anchors = anchors(request, labels.qrels(), queryIds.ids());
            if (anchors.ordinals.length == 0) {
                throw new QuarryDataException(request.anchors() != null ? request.anchors() : request.qrels(),
                        "anchors with a positive", 0, "at least one anchor with a labelled positive that names"
                                + " rows of the stores (" + describeUnknown(labels.report()) + ")");
            }
            if (run != null) {
                RunFile.RunReport r = run.report();
                notes.add(String.format(Locale.ROOT, "run file %s: %,d entries, %,d anchors ranked, %,d unknown anchor"
                                + " ids, %,d unknown doc ids, %,d repeated entries%s", r.file(), r.entries(),
                        r.anchors(), r.unknownAnchors(), r.unknownDocs(), r.duplicates(),
                        run.scored() ? "" : "; no scores: margins and score windows do not apply"));
            }

            VectorIndex index = null;
            if (request.strategy() == Strategy.INDEX || request.strategy() == Strategy.CROSS_MODEL
                    || request.index() != null) {
                index = request.index() == null ? new FlatIndex(corpus, kernels)
                        : remember(open, IvfIndex.open(request.index(), corpus, kernels));
                if (index instanceof IvfIndex ivf && (request.nprobe() < 0 || request.nprobe() > ivf.nlist())) {
                    throw new QuarryUsageException("--nprobe=" + request.nprobe() + ", expected 1 <= nprobe <= nlist="
                            + ivf.nlist() + " of " + request.index());
                }
            }
            SearchParams search = SearchParams.defaults().withNprobe(request.nprobe()).withThreads(1);
            int[] order = anchors.ordinals;
            Supplier<CandidateSource> sources;
            String sourceName;
            switch (request.strategy()) {
                case INDEX -> {
                    VectorIndex chosen = index;
                    sources = () -> new IndexSource(chosen, corpus, search);
                    sourceName = index.describe();
                }
                case RUN_FILE -> {
                    RunFile chosen = run;
                    sources = () -> new RunFileSource(chosen, request.run());
                    sourceName = "run file " + request.run().getFileName();
                }
                case IN_BATCH -> {
                    order = new BatchBuilder(kernels).order(anchors.ordinals, queries, request.batchSize(),
                            request.batchGrouping(), index instanceof IvfIndex ivf ? ivf : null, config.seed(),
                            request.threads());
                    int[] batches = order;
                    sources = () -> new InBatchSource(corpus, labels.qrels(), batches, request.batchSize());
                    sourceName = "in-batch (batches of " + request.batchSize() + ", "
                            + request.batchGrouping().name().toLowerCase(Locale.ROOT) + " grouping)";
                    int[] random = new BatchBuilder(kernels).order(anchors.ordinals, queries, request.batchSize(),
                            BatchBuilder.Grouping.RANDOM, null, config.seed(), request.threads());
                    notes.add(String.format(Locale.ROOT, "in-batch: mean score of in-batch negatives %.4f in these "
                                    + "batches, %.4f in random batches (before filters)",
                            BatchBuilder.meanInBatchScore(order, request.batchSize(), labels.qrels(), queries, corpus),
                            BatchBuilder.meanInBatchScore(random, request.batchSize(), labels.qrels(), queries,
                                    corpus)));
                    if (request.batchOrderOutput() != null) {
                        writeBatchOrder(request.batchOrderOutput(), order, request.batchSize(), queryIds.ids());
                        notes.add("batch order for the data loader: " + request.batchOrderOutput());
                    }
                }
                case CROSS_MODEL -> {
                    List<CrossModelSource.Model> models = new ArrayList<>();
                    models.add(new CrossModelSource.Model(index, corpus, queries));
                    for (MiningRequest.ModelFiles m : request.models()) {
                        models.add(openModel(open, m, corpus, queries, corpusIds, corpusAnchors));
                    }
                    int agree = request.agreement() == 0 ? models.size() : request.agreement();
                    if (agree > models.size()) {
                        throw new QuarryUsageException("--agreement=" + agree + ", expected at most the "
                                + models.size() + " models");
                    }
                    MiningConfig forSource = config;
                    sources = () -> new CrossModelSource(models, agree, forSource.rangeMin(), request.fusion(),
                            search);
                    sourceName = models.size() + " models, agreement " + agree + ", "
                            + request.fusion().name().toLowerCase(Locale.ROOT) + " fusion";
                }
                default -> throw new IllegalStateException(request.strategy().toString());
            }
            MinedOutput output = new MinedOutput(request.output(), request.outputOptions(),
                    new StoreTexts(queryText, queryIds.ids(), corpusText, corpusIds.ids()));
            Fingerprint fingerprint = fingerprint(request, sourceName, corpusIds, queryIds);
            MiningJob job = new MiningJob(sources, corpus, queries, kernels, config, order, labels.qrels(),
                    known == null ? Qrels.empty() : known.qrels(), corpusAnchors, output,
                    request.threads(), request.effectiveBlockSize(), fingerprint, request.resume(),
                    request.checkpointIntervalNanos(), progress, request.listener(), request.pauseNanosPerBlock());
            MiningPipeline.Result result = MiningPipeline.run(job);
            Path summary = output.files().getFirst().resolveSibling(output.files().getFirst().getFileName()
                    + ".summary.json");
            MiningReport report = new MiningReport(result.stats(), labels.report(),
                    known == null ? null : known.report(), anchors.listed, anchors.unknown, anchors.withoutPositive,
                    result.files(), summary, corpusRows, corpus == null ? 0 : corpus.dim(), sourceName,
                    request.threads(), result.seconds(), result.anchorsThisRun(), result.startBlock(), notes);
            writeSummary(report, request, config, summary);
            return report;
        } finally {
            while (!open.isEmpty()) {
                try {
                    open.pop().close();
                } catch (Exception ignored) {
                    // Closing read-only mappings cannot lose data.
                }
            }
        }
    }

    /** Another model's stores for cross-model mining: same rows, same ids, as the primary's. */
    private CrossModelSource.Model openModel(Deque<AutoCloseable> open, MiningRequest.ModelFiles files,
                                             VectorStore primary, VectorStore primaryQueries, StoreIds primaryIds,
                                             boolean corpusAnchors) {
        VectorStore corpus = remember(open, VectorStore.open(files.corpus()));
        if (corpus.count() != primary.count()) {
            throw new QuarryDataException(files.corpus(), "count", corpus.count(), primary.count() + " rows as in "
                    + primary.path() + " (every model must embed the same corpus, in the same order)");
        }
        StoreIds ids = idsOf(open, corpus, null, null);
        if (ids.file() != null && primaryIds.file() != null) {
            for (int i = 0; i < corpus.count(); i++) {
                if (!ids.ids().id(i).equals(primaryIds.ids().id(i))) {
                    throw new QuarryDataException(ids.file(), "row " + i + " id", ids.ids().id(i), primaryIds.ids()
                            .id(i) + " as in " + primaryIds.file() + " (the models' rows must be in the same order)");
                }
            }
        }
        VectorStore queries = corpus;
        if (!corpusAnchors) {
            if (files.queries() == null) {
                throw new QuarryUsageException("--queries of model " + files.corpus() + ": expected one query embedding"
                        + " per corpus embedding");
            }
            queries = remember(open, VectorStore.open(files.queries()));
            if (queries.count() != primaryQueries.count() || queries.dim() != corpus.dim()) {
                throw new QuarryDataException(files.queries(), "shape", queries.count() + " x " + queries.dim(),
                        primaryQueries.count() + " x " + corpus.dim() + " (the primary's query count, this model's dim)");
            }
        }
        return new CrossModelSource.Model(new FlatIndex(corpus, kernels), corpus, queries);
    }

    private static void writeBatchOrder(Path file, int[] order, int batchSize, IdMap ids) {
        try (AtomicOutput out = AtomicOutput.create(file)) {
            Writer w = new BufferedWriter(Channels.newWriter(out.channel(), StandardCharsets.UTF_8));
            w.write("batch\tanchor\n");
            for (int i = 0; i < order.length; i++) {
                w.write(i / batchSize + "\t" + ids.id(order[i]) + "\n");
            }
            w.flush();
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static <T extends AutoCloseable> T remember(Deque<AutoCloseable> open, T resource) {
        open.push(resource);
        return resource;
    }

    /** The ids of a store (see {@link StoreIds}), closed with the run. */
    private static StoreIds idsOf(Deque<AutoCloseable> open, VectorStore store, Path idFile, Path textFile) {
        return remember(open, StoreIds.of(store, idFile, textFile));
    }

    private record Anchors(int[] ordinals, long listed, long unknown, long withoutPositive) {
    }

    private static Anchors anchors(MiningRequest request, Qrels qrels, IdMap ids) {
        if (request.anchors() == null) {
            int[] all = qrels.anchors();
            return new Anchors(all, all.length, 0, 0);
        }
        Path file = request.anchors();
        int[] ordinals = new int[1024];
        int n = 0;
        long listed = 0;
        long unknown = 0;
        long withoutPositive = 0;
        BitSet seen = new BitSet();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            long lineNo = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNo++;
                String id = line.strip();
                if (id.isEmpty()) {
                    continue;
                }
                listed++;
                int ordinal = ids.ordinal(id);
                if (ordinal < 0) {
                    if (request.strict()) {
                        throw new QuarryDataException(file, "line " + lineNo + " anchor id", id,
                                "an id of the anchor store; --strict is on");
                    }
                    unknown++;
                    continue;
                }
                if (!qrels.has(ordinal)) {
                    if (request.strict()) {
                        throw new QuarryDataException(file, "line " + lineNo + " anchor " + id + " positives", 0,
                                "at least one labelled positive in " + request.qrels() + "; --strict is on");
                    }
                    withoutPositive++;
                    continue;
                }
                if (seen.get(ordinal)) {
                    continue; // listed twice: mined once
                }
                seen.set(ordinal);
                if (n == ordinals.length) {
                    ordinals = Arrays.copyOf(ordinals, n * 2);
                }
                ordinals[n++] = ordinal;
            }
        } catch (IOException e) {
            throw new QuarryDataException(file, "file", "unreadable (" + e.getMessage() + ")", "a readable anchor list", e);
        }
        return new Anchors(Arrays.copyOf(ordinals, n), listed, unknown, withoutPositive);
    }

    private static String describeUnknown(QrelsReport r) {
        return String.format(Locale.ROOT, "%,d pairs read, %,d with unknown anchor ids, %,d with unknown doc ids",
                r.pairsRead(), r.unknownAnchors(), r.unknownDocs());
    }

    private Fingerprint fingerprint(MiningRequest r, String source, StoreIds corpusIds, StoreIds queryIds) {
        // Everything a byte of output depends on, including which kernels score (positive scores
        // differ in their last bits between vector widths) and the id files actually used.
        return new Fingerprint()
                .addFile("corpus", r.corpus())
                .addFile("queries", r.queries())
                .addFile("qrels", r.qrels())
                .add("qrels-format", r.qrelsFormat() == null ? "auto" : r.qrelsFormat())
                .addFile("known-positives", r.knownPositives())
                .addFile("anchors", r.anchors())
                .addFile("corpus-ids", corpusIds.file())
                .addFile("queries-ids", queryIds.file())
                .addFile("corpus-text", r.corpusText())
                .addFile("queries-text", r.queriesText())
                .add("strategy", r.strategy().cliName())
                .add("source", source)
                .addFile("run", r.run())
                .add("batches", r.batchSize() + " " + r.batchGrouping())
                .add("models", r.models())
                .addFile("index-file", r.index())
                .add("nprobe", r.nprobe())
                .add("kernels", kernels.description())
                .add("mining", r.config().describe())
                .add("output", r.outputOptions())
                .add("block-size", r.effectiveBlockSize())
                .add("strict", r.strict());
    }

    private static void writeSummary(MiningReport report, MiningRequest request, MiningConfig config, Path file) {
        try (AtomicOutput out = AtomicOutput.create(file)) {
            OutputStream stream = Channels.newOutputStream(out.channel());
            try (JsonGenerator g = JSON.createGenerator(stream, JsonEncoding.UTF8)) {
                g.useDefaultPrettyPrinter();
                g.writeStartObject();
                g.writeArrayFieldStart("outputs");
                for (Path p : report.files()) {
                    g.writeString(p.toString());
                }
                g.writeEndArray();
                g.writeStringField("format", request.outputOptions().format().cliName());
                g.writeStringField("settings", config.describe());
                g.writeStringField("strategy", request.strategy().cliName());
                g.writeStringField("source", report.index());
                g.writeArrayFieldStart("notes");
                for (String note : report.notes()) {
                    g.writeString(note);
                }
                g.writeEndArray();
                report.stats().writeSummaryFields(g);
                g.writeObjectFieldStart("anchors_input");
                g.writeNumberField("listed", report.anchorsListed());
                g.writeNumberField("unknown_ids", report.anchorsUnknown());
                g.writeNumberField("without_positive", report.anchorsWithoutPositive());
                g.writeEndObject();
                writeQrels(g, "qrels", report.qrels());
                if (report.knownPositives() != null) {
                    writeQrels(g, "known_positives", report.knownPositives());
                }
                g.writeObjectFieldStart("run");
                g.writeNumberField("threads", report.threads());
                g.writeNumberField("seconds", report.seconds());
                g.writeNumberField("anchors_this_run", report.anchorsThisRun());
                g.writeNumberField("anchors_per_second", report.anchorsPerSecond());
                if (report.resumedFromBlock() > 0) {
                    g.writeNumberField("resumed_from_block", report.resumedFromBlock());
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void writeQrels(JsonGenerator g, String name, QrelsReport r) throws IOException {
        g.writeObjectFieldStart(name);
        g.writeStringField("file", r.file());
        g.writeNumberField("pairs_read", r.pairsRead());
        g.writeNumberField("positives", r.positives());
        g.writeNumberField("label_zero", r.nonPositive());
        g.writeNumberField("duplicates", r.duplicates());
        g.writeNumberField("unknown_anchor_ids", r.unknownAnchors());
        g.writeNumberField("unknown_doc_ids", r.unknownDocs());
        g.writeEndObject();
    }
}
