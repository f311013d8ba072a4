package dev.quarry.cli;

import dev.quarry.labels.QrelsFormat;
import dev.quarry.options.CommandFlags;
import dev.quarry.options.Door;
import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import dev.quarry.options.Setting;
import dev.quarry.pipeline.MiningRequest;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * What a mining run reads (stores, labels, anchors, ids, texts, the index) and how it cuts its work into
 * blocks: the input options shared by {@code quarry mine} and the commands that mine elsewhere
 * ({@code quarry spark-mine}). Public so a tool module can mix it in.
 */
public final class MiningInputOptions {
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    @Option(names = CommandFlags.CORPUS, description = "Corpus embeddings (.qvec, .npy <f4, .fvecs); optional with run-file.")
    Path corpus;

    @Option(names = "--queries", description = "Anchor embeddings; omit when anchors are rows of the corpus.")
    Path queries;

    @Option(names = "--qrels", required = true, description = "Labelled positives: TSV, TREC or JSONL.")
    Path qrels;

    @Option(names = CommandFlags.QRELS_FORMAT, description = "tsv, trec or jsonl (default: detected).")
    String qrelsFormat;

    @Option(names = "--known-positives", description = "More pairs that must never be mined as negatives "
            + "(same formats as --qrels).")
    Path knownPositives;

    @Option(names = "--anchors", description = "File of anchor ids to mine, one per line (default: every labelled anchor).")
    Path anchors;

    @Option(names = "--index", defaultValue = "flat",
            description = "flat (exact search) or an IVF index file built by `quarry index build` (default: ${DEFAULT-VALUE}).")
    String index;

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

    @Option(names = "--block-size", description = "Anchors per block (default: 256 with flat, 8192 with IVF).")
    Integer blockSize;

    @Option(names = "--strict", description = "Fail on ids that name no row and on listed anchors without a positive"
            + " (default: count and report them).")
    boolean strict;

    /** The corpus store given, or null. */
    public Path corpus() {
        return corpus;
    }

    /** The anchors' store given, or null. */
    public Path queries() {
        return queries;
    }

    /** The corpus texts given, or null. */
    public Path corpusText() {
        return corpusText;
    }

    /** The queries' texts given, or null. */
    public Path queriesText() {
        return queriesText;
    }

    /** The IVF index file given, or null for flat search. */
    public Path ivf() {
        return index.equals("flat") ? null : Path.of(index);
    }

    /**
     * A request builder for these inputs writing {@code output} with {@code options}; usage errors (nprobe
     * without an IVF index, a block size out of range) are reported against the command.
     */
    public MiningRequest.Builder request(Path output, MineOptions options) {
        return request(output, options, false);
    }

    /**
     * As {@link #request(Path, MineOptions)}; with {@code indexesElsewhere} (the indexes are the shards' own),
     * nprobe goes without --index.
     */
    public MiningRequest.Builder request(Path output, MineOptions options, boolean indexesElsewhere) {
        return request(output, options, corpus, queries, indexesElsewhere);
    }

    /**
     * As {@link #request(Path, MineOptions, boolean)}, mining {@code corpusFile} and {@code queriesFile} in
     * place of the --corpus and --queries given (vectors embedded from the texts given).
     */
    public MiningRequest.Builder request(Path output, MineOptions options, Path corpusFile, Path queriesFile,
                                         boolean indexesElsewhere) {
        CommandLine cmd = spec.commandLine();
        QrelsFormat format = qrelsFormat == null ? null : QrelsFormat.parse(qrelsFormat);
        // Both choose an IVF index's lists: over a flat corpus they would be ignored without a word ("off" is
        // what every options file may say).
        Double margin = options.get(MineSettings.PROBE_MARGIN);
        for (Setting<?> probing : List.of(MineSettings.NPROBE, MineSettings.PROBE_MARGIN)) {
            boolean on = probing != MineSettings.PROBE_MARGIN || (margin != null && !margin.isNaN());
            if (ivf() == null && options.isGiven(probing) && on && !indexesElsewhere) {
                throw new CommandLine.ParameterException(cmd, Door.CLI.name(probing) + " needs --index FILE.qivf");
            }
        }
        if (blockSize != null && (blockSize < 1 || blockSize > 1 << 20)) {
            throw new CommandLine.ParameterException(cmd, "--block-size=" + blockSize
                    + ", expected 1 <= block-size <= 1048576");
        }
        return MiningRequest.builder(corpusFile, qrels, output).options(options).queries(queriesFile)
                .qrelsFormat(format).knownPositives(knownPositives).anchors(anchors).ids(corpusIds, queriesIds)
                .texts(corpusText, queriesText).index(ivf()).blockSize(blockSize == null ? 0 : blockSize)
                .strict(strict);
    }
}
