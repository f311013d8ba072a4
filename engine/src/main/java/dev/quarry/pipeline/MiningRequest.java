package dev.quarry.pipeline;

import dev.quarry.index.SearchParams;
import dev.quarry.io.OutputOptions;
import dev.quarry.labels.QrelsFormat;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.strategy.BatchBuilder;
import dev.quarry.mining.strategy.Fusion;
import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import dev.quarry.options.Setting;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * A mining run described by files and options, as {@code quarry mine} takes it. Build one with
 * {@link #builder}.
 *
 * @param corpus the corpus store
 * @param queries the query store, or null when anchors are rows of the corpus
 * @param qrels labelled positives
 * @param qrelsFormat their format, or null to detect it
 * @param knownPositives extra pairs never to mine as negatives (same formats), or null
 * @param anchors a file of anchor ids to mine (in that order), or null for every labelled anchor
 * @param corpusIds id file of the corpus rows, or null ({@code CORPUS.ids}, the text file's ids, or ordinals)
 * @param queriesIds id file of the query rows, or null (likewise)
 * @param corpusText JSONL texts of the corpus, or null (outputs then show ids)
 * @param queriesText JSONL texts of the queries, or null
 * @param index a {@code .qivf} index over the corpus, or null for exact (flat) search
 * @param options the request's settings, each held once: what to mine, how to search, how to write it
 * @param output the output path
 * @param threads mining workers
 * @param blockSize anchors per block (0: 256 for flat search, 8192 for IVF, whose lists are shared by a block)
 * @param resume continue an interrupted run
 * @param strict fail on ids that name no row, and on listed anchors without a positive
 * @param checkpointIntervalNanos minimum time between checkpoints
 * @param listener receives each mined anchor in output order, or null
 * @param strategy where candidates come from, with that strategy's options
 * @param negativesStore a negatives store every mined anchor is also put into, or null
 */
public record MiningRequest(Path corpus, Path queries, Path qrels, QrelsFormat qrelsFormat, Path knownPositives,
                            Path anchors, Path corpusIds, Path queriesIds, Path corpusText, Path queriesText,
                            Path index, MineOptions options, Path output, int threads, int blockSize,
                            boolean resume, boolean strict, long checkpointIntervalNanos,
                            Consumer<MinedAnchor> listener, StrategySpec strategy, Path negativesStore) {

    /** What to mine (a view of {@link #options}). */
    public MiningConfig config() {
        return MiningConfig.of(options);
    }

    /** How to write it (a view of {@link #options}). */
    public OutputOptions outputOptions() {
        return OutputOptions.of(options);
    }

    /** Lists probed per anchor with an IVF index (0: the index's default). */
    public int nprobe() {
        Integer n = options.get(MineSettings.NPROBE);
        return n == null ? 0 : n;
    }

    /**
     * {@code base} with the search settings {@code options} carries: its nprobe where one is given, and its
     * probe margin where one is given and not off (NaN). The one reading of those settings, for every door.
     */
    public static SearchParams search(SearchParams base, MineOptions options) {
        Integer nprobe = options.get(MineSettings.NPROBE);
        Double margin = options.get(MineSettings.PROBE_MARGIN);
        SearchParams probing = nprobe == null ? base : base.withNprobe(nprobe);
        return margin == null || margin.isNaN() ? probing : probing.withProbeMargin(margin.floatValue());
    }

    /** The summary JSON written beside the output: {@code OUTPUT.summary.json}, for every format. */
    public Path summaryFile() {
        return output.resolveSibling(output.getFileName() + ".summary.json");
    }

    /** A request with defaults for everything but the corpus, the labels and the output. */
    public static Builder builder(Path corpus, Path qrels, Path output) {
        return new Builder(corpus, qrels, output);
    }

    /** The block size in effect. */
    public int effectiveBlockSize() {
        return blockSize > 0 ? blockSize : index == null ? 256 : 8192;
    }

    /** Fluent construction; unset options keep their defaults. */
    public static final class Builder {
        private final Path corpus;
        private final Path qrels;
        private final Path output;
        private Path queries;
        private QrelsFormat qrelsFormat;
        private Path knownPositives;
        private Path anchors;
        private Path corpusIds;
        private Path queriesIds;
        private Path corpusText;
        private Path queriesText;
        private Path index;
        private MineOptions options = MineOptions.defaults();
        private MiningConfig config;
        private OutputOptions outputOptions;
        private int nprobe;
        private int threads = Runtime.getRuntime().availableProcessors();
        private int blockSize;
        private boolean resume;
        private boolean strict;
        private long checkpointIntervalNanos = 10_000_000_000L;
        private Consumer<MinedAnchor> listener;
        private StrategySpec strategy = new IndexStrategySpec();
        private Path negativesStore;

        private Builder(Path corpus, Path qrels, Path output) {
            this.corpus = corpus;
            this.qrels = qrels;
            this.output = output;
        }

        public Builder queries(Path p) {
            queries = p;
            return this;
        }

        public Builder qrelsFormat(QrelsFormat f) {
            qrelsFormat = f;
            return this;
        }

        public Builder knownPositives(Path p) {
            knownPositives = p;
            return this;
        }

        public Builder anchors(Path p) {
            anchors = p;
            return this;
        }

        public Builder ids(Path corpusIdFile, Path queryIdFile) {
            corpusIds = corpusIdFile;
            queriesIds = queryIdFile;
            return this;
        }

        public Builder texts(Path corpusJsonl, Path queriesJsonl) {
            corpusText = corpusJsonl;
            queriesText = queriesJsonl;
            return this;
        }

        /** The index file (null: flat search); nprobe comes with the options. */
        public Builder index(Path qivf) {
            index = qivf;
            return this;
        }

        /** The index file and nprobe (0: the options' nprobe, else the index's default). */
        public Builder index(Path qivf, int probes) {
            index = qivf;
            nprobe = probes;
            return this;
        }

        /** Every setting of the request at once. */
        public Builder options(MineOptions o) {
            options = o;
            return this;
        }

        /** The mining settings of {@code c} (a Java caller's shorthand; output settings stay). */
        public Builder config(MiningConfig c) {
            config = c;
            return this;
        }

        /** The output settings of {@code o} (a Java caller's shorthand; its numNegatives is the config's). */
        public Builder outputOptions(OutputOptions o) {
            outputOptions = o;
            return this;
        }

        public Builder threads(int n) {
            threads = n;
            return this;
        }

        public Builder blockSize(int n) {
            blockSize = n;
            return this;
        }

        public Builder resume(boolean r) {
            resume = r;
            return this;
        }

        public Builder strict(boolean s) {
            strict = s;
            return this;
        }

        public Builder checkpointIntervalNanos(long nanos) {
            checkpointIntervalNanos = nanos;
            return this;
        }

        public Builder listener(Consumer<MinedAnchor> l) {
            listener = l;
            return this;
        }

        /** Mines a run file's wrong predictions. */
        public Builder runFile(Path file) {
            strategy = new RunFileStrategySpec(file);
            return this;
        }

        /** Mines in-batch negatives for batches of {@code size}, grouped as given; the order goes to {@code out}. */
        public Builder inBatch(int size, BatchBuilder.Grouping grouping, Path out) {
            strategy = new InBatchStrategySpec(size, grouping, out);
            return this;
        }

        /** Mines candidates that {@code minAgree} (0: all) of these models and the primary agree on. */
        public Builder crossModel(List<CrossModelStrategySpec.ModelFiles> more, int minAgree, Fusion order) {
            strategy = new CrossModelStrategySpec(more, minAgree, order);
            return this;
        }

        /** Also puts every mined anchor into this negatives store (created when new, shared when open). */
        public Builder negativesStore(Path store) {
            negativesStore = store;
            return this;
        }

        /** Any strategy. */
        public Builder strategy(StrategySpec spec) {
            strategy = spec;
            return this;
        }

        public MiningRequest build() {
            MineOptions.Builder b = options.toBuilder();
            if (config != null) {
                MineOptions c = config.options();
                for (Setting<?> s : MineSettings.ALL) {
                    if (!isOutput(s) && s != MineSettings.NPROBE) {
                        copy(s, c, b);
                    }
                }
            }
            if (outputOptions != null) {
                b.set(MineSettings.OUTPUT_FORMAT, outputOptions.format().cliName())
                        .set(MineSettings.OUTPUT_SCORES, outputOptions.outputScores())
                        .set(MineSettings.OUTPUT_RANKS, outputOptions.outputRanks())
                        .set(MineSettings.INCLUDE_POSITIVES, outputOptions.includePositives())
                        .set(MineSettings.SOFT_LABELS, outputOptions.softLabelTemperature());
            }
            if (nprobe > 0) {
                b.set(MineSettings.NPROBE, nprobe);
            }
            return new MiningRequest(corpus, queries, qrels, qrelsFormat, knownPositives, anchors, corpusIds,
                    queriesIds, corpusText, queriesText, index, b.build(), output, threads, blockSize, resume,
                    strict, checkpointIntervalNanos, listener, strategy, negativesStore);
        }

        private static boolean isOutput(Setting<?> s) {
            return !s.appliesTo(dev.quarry.options.Door.HTTP);
        }

        private static <T> void copy(Setting<T> s, MineOptions from, MineOptions.Builder to) {
            to.set(s, from.isGiven(s) || s.defaultValue() != null ? from.get(s) : null);
        }
    }
}
