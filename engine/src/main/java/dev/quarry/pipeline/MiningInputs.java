package dev.quarry.pipeline;

import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import dev.quarry.QuarryDataException;
import dev.quarry.index.SearchParams;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.io.JsonlTexts;
import dev.quarry.labels.Qrels;
import dev.quarry.labels.QrelsReader;
import dev.quarry.labels.QrelsReport;
import dev.quarry.mining.MiningConfig;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * The first stage of a mining run: every input of a {@link MiningRequest} opened and checked against
 * the others before any mining starts. Stores (rows finite, dims equal), ids (id files, the text
 * files' ids, or row numbers), texts (one for every row), labels, known positives, the anchors and
 * the index. Holds them open until closed.
 */
public final class MiningInputs implements AutoCloseable {
    private final MiningRequest request;
    private final VectorKernels kernels;
    private final PrintWriter progress;
    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private final List<String> notes = new ArrayList<>();
    private VectorStore corpus;
    private VectorStore queries;
    private StoreIds corpusIds;
    private StoreIds queryIds;
    private JsonlTexts corpusText;
    private JsonlTexts queryText;
    private QrelsReader.Result labels;
    private QrelsReader.Result known;
    private AnchorList anchors;
    private VectorIndex index;
    private MiningConfig config;

    private MiningInputs(MiningRequest request, VectorKernels kernels, PrintWriter progress) {
        this.request = request;
        this.kernels = kernels;
        this.progress = progress;
        this.config = request.config();
    }

    /** Opens and checks every input of {@code request}; a scan of a store reports to {@code progress}. */
    public static MiningInputs open(MiningRequest request, VectorKernels kernels, PrintWriter progress) {
        return open(request, kernels, progress, true);
    }

    /**
     * Opens what the workers of a distributed run need: stores, ids, texts and the index, checked as
     * {@link #open} checks them, but not the labels and anchors ({@link #labels()} and {@link #anchors()}
     * are null): the run's driver resolves those once and hands each worker its blocks' anchors and
     * positives.
     */
    public static MiningInputs openForWorkers(MiningRequest request, VectorKernels kernels) {
        return open(request, kernels, null, false);
    }

    private static MiningInputs open(MiningRequest request, VectorKernels kernels, PrintWriter progress,
                                     boolean labels) {
        MiningInputs inputs = new MiningInputs(request, kernels, progress);
        try {
            inputs.openStores();
            inputs.openIdsAndTexts();
            if (labels) {
                inputs.readLabels();
            }
            inputs.openIndex();
            return inputs;
        } catch (RuntimeException | Error e) {
            inputs.close();
            throw e;
        }
    }

    private void openStores() {
        StrategySpec strategy = request.strategy();
        if (request.corpus() == null && strategy.needsCorpus()) {
            throw new CommandSettingError(CommandSetting.CORPUS,
                    null, "a corpus store (only the run-file strategy mines"
                    + " without embeddings)");
        }
        corpus = request.corpus() == null ? null : openStore(request.corpus(), "corpus");
        queries = request.queries() == null ? corpus : openStore(request.queries(), "queries");
        if (corpus != null && queries.dim() != corpus.dim()) {
            throw new QuarryDataException(request.queries(), "dim", queries.dim(),
                    corpus.dim() + " as in " + request.corpus());
        }
        if (corpus != null && strategy instanceof IndexStrategySpec) {
            MineSettings.checkCorpus(request.options(), corpus.count(), request.corpus().toString());
        }
        if (corpus == null && !Double.isNaN(config.nearDuplicate())) {
            config = config.withNearDuplicate(Double.NaN);
            notes.add("near-duplicate filter off: no corpus embeddings to compare with (give a corpus to use it)");
        }
    }

    private void openIdsAndTexts() {
        corpusIds = remember(StoreIds.of(corpus, request.corpusIds(), request.corpusText()));
        queryIds = anchorsAreCorpusRows() ? corpusIds
                : remember(StoreIds.of(queries, request.queriesIds(), request.queriesText()));
        if (request.corpusText() != null) {
            corpusText = remember(JsonlTexts.open(request.corpusText(), corpusIds.ids(), corpusIds.ids().size()));
            corpusText.requireEveryRow(corpusIds.file() == null ? "row numbers" : corpusIds.file().toString());
        }
        if (anchorsAreCorpusRows()) {
            queryText = corpusText;
        } else if (request.queriesText() != null) {
            queryText = remember(JsonlTexts.open(request.queriesText(), queryIds.ids(), queryIds.ids().size()));
            queryText.requireEveryRow(queryIds.file() == null ? "row numbers" : queryIds.file().toString());
        }
    }

    private void readLabels() {
        QrelsReader reader = new QrelsReader(queryIds.ids(), corpusIds.ids(), request.strict());
        labels = reader.read(request.qrels(), request.qrelsFormat());
        known = request.knownPositives() == null ? null : reader.read(request.knownPositives(), request.qrelsFormat());
        anchors = request.anchors() == null ? AnchorList.labelled(labels.qrels())
                : AnchorList.read(request.anchors(), queryIds.ids(), labels.qrels(), request.strict(), request.qrels());
        if (anchors.ordinals().length == 0) {
            QrelsReport r = labels.report();
            throw new QuarryDataException(request.anchors() != null ? request.anchors() : request.qrels(),
                    "anchors with a positive", 0, String.format(Locale.ROOT, "at least one anchor with a labelled"
                            + " positive that names rows of the stores (%,d pairs read, %,d with unknown anchor ids,"
                            + " %,d with unknown doc ids)", r.pairsRead(), r.unknownAnchors(), r.unknownDocs()));
        }
    }

    private void openIndex() {
        if (!request.strategy().searchesIndex() && request.index() == null) {
            return;
        }
        index = request.index() == null ? new FlatIndex(corpus, kernels)
                : remember(IvfIndex.open(request.index(), corpus, kernels));
        if (index instanceof IvfIndex ivf && (request.nprobe() < 0 || request.nprobe() > ivf.nlist())) {
            throw new OptionError(MineSettings.NPROBE, request.nprobe(), "1 <= {nprobe} <= nlist=" + ivf.nlist()
                    + " of " + request.index());
        }
    }

    /** Opens a store that the run reads, checking that its rows are finite; closed with the inputs. */
    VectorStore openStore(Path file, String role) {
        VectorStore store = remember(VectorStore.open(file));
        store.content(progress).requireFinite(store, role);
        return store;
    }

    /** Keeps {@code resource} open until the inputs close. */
    <T extends AutoCloseable> T remember(T resource) {
        open.push(resource);
        return resource;
    }

    /** Adds a line the summary shows under "note". */
    void note(String note) {
        notes.add(note);
    }

    public MiningRequest request() {
        return request;
    }

    public VectorKernels kernels() {
        return kernels;
    }

    /** The configuration in force (the request's, with filters that cannot apply switched off). */
    public MiningConfig config() {
        return config;
    }

    /** The corpus store, or null when mining a run file without embeddings. */
    public VectorStore corpus() {
        return corpus;
    }

    /** The anchors' store (the corpus itself when anchors are corpus rows), or null. */
    public VectorStore queries() {
        return queries;
    }

    /** Whether anchors are rows of the corpus (no query store given). */
    public boolean anchorsAreCorpusRows() {
        return request.queries() == null;
    }

    public StoreIds corpusIds() {
        return corpusIds;
    }

    public StoreIds queryIds() {
        return queryIds;
    }

    /** The corpus texts, or null. */
    public JsonlTexts corpusText() {
        return corpusText;
    }

    /** The anchors' texts, or null. */
    public JsonlTexts queryText() {
        return queryText;
    }

    public QrelsReader.Result labels() {
        return labels;
    }

    /** The known positives, or null. */
    public QrelsReader.Result known() {
        return known;
    }

    /** The known positives' pairs, empty when none were given. */
    public Qrels knownPairs() {
        return known == null ? Qrels.empty() : known.qrels();
    }

    public AnchorList anchors() {
        return anchors;
    }

    /** The corpus index (flat or IVF), or null when the strategy searches none. */
    public VectorIndex index() {
        return index;
    }

    /** Search options of one worker's search (the pipeline owns the threads). */
    public SearchParams searchParams() {
        return MiningRequest.search(SearchParams.defaults(), request.options()).withThreads(1);
    }

    public int threads() {
        return request.threads();
    }

    public boolean strict() {
        return request.strict();
    }

    /** What the run wants the user to know, so far. */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /** Closes every input opened (read-only mappings: closing cannot lose data). */
    @Override
    public void close() {
        while (!open.isEmpty()) {
            try {
                open.pop().close();
            } catch (Exception ignored) {
                // Read-only resources.
            }
        }
    }
}
