package dev.quarry.pipeline;

import dev.quarry.io.OutputOptions;
import dev.quarry.labels.QrelsFormat;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MiningConfig;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A mining run described by files and options, as {@code quarry mine} takes it.
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
 * @param config what to mine
 * @param outputOptions how to write it
 * @param output the output path
 * @param threads mining workers
 * @param blockSize anchors per block
 * @param resume continue an interrupted run
 * @param strict fail on ids that name no row, and on listed anchors without a positive
 * @param checkpointIntervalNanos minimum time between checkpoints
 * @param pauseNanosPerBlock test hook: a pause after each block written
 * @param listener receives each mined anchor in output order, or null
 */
public record MiningRequest(Path corpus, Path queries, Path qrels, QrelsFormat qrelsFormat, Path knownPositives,
                            Path anchors, Path corpusIds, Path queriesIds, Path corpusText, Path queriesText,
                            MiningConfig config, OutputOptions outputOptions, Path output, int threads, int blockSize,
                            boolean resume, boolean strict, long checkpointIntervalNanos, long pauseNanosPerBlock,
                            Consumer<MinedAnchor> listener) {
}
