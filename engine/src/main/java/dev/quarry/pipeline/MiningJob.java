package dev.quarry.pipeline;

import dev.quarry.io.MinedOutput;
import dev.quarry.labels.Qrels;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.strategy.CandidateSource;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import java.io.PrintWriter;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Everything a mining run needs.
 *
 * @param sources makes one candidate source per worker thread
 * @param batch searches the candidates of many blocks at once, or null (each source searches its block)
 * @param corpus the corpus store, or null when mining without embeddings (run files)
 * @param queries the anchors' store (the corpus itself when anchors are corpus rows), or null
 * @param kernels the kernels (positive scores)
 * @param config what to mine
 * @param anchors anchor ordinals (rows of {@code queries}) in output order
 * @param positives labelled positives per anchor
 * @param knownPositives extra pairs that must never be negatives
 * @param anchorsAreCorpusRows exclude each anchor's own row from its negatives
 * @param output the files to write
 * @param threads mining workers
 * @param blockSize anchors per block
 * @param fingerprint what the output depends on (checked on resume)
 * @param resume continue the run recorded by the checkpoint
 * @param checkpointIntervalNanos minimum time between checkpoints (0: after every block)
 * @param progress where progress lines go (null: silent)
 * @param listener receives every mined anchor in output order, on the writer thread (null: none)
 */
public record MiningJob(Supplier<CandidateSource> sources, BatchSearch batch, VectorStore corpus, VectorStore queries,
                        VectorKernels kernels, MiningConfig config, int[] anchors, Qrels positives, Qrels knownPositives,
                        boolean anchorsAreCorpusRows, MinedOutput output, int threads, int blockSize,
                        Fingerprint fingerprint, boolean resume, long checkpointIntervalNanos, PrintWriter progress,
                        Consumer<MinedAnchor> listener) {

    /** Blocks in the run. */
    public int blocks() {
        return (int) Math.ceilDiv((long) anchors.length, (long) blockSize);
    }
}
