package dev.quarry.pipeline;

import dev.quarry.labels.Qrels;
import dev.quarry.mining.BlockMiner;
import dev.quarry.mining.candidate.AnchorBlock;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;

/**
 * How a run's anchors are cut into blocks: block {@code b} holds anchors {@code [b * blockSize, ...)} of
 * the output order, each with its positives and exclusions (positives, known positives, and its own row
 * when anchors are corpus rows). The pipeline mines its blocks on its threads; a distributed run cuts
 * them on its driver and ships them to its workers, which add the vectors ({@link #loadVectors}).
 * Immutable and thread-safe.
 *
 * @param anchors anchor ordinals in output order
 * @param positives labelled positives per anchor
 * @param knownPositives extra pairs that must never be negatives
 * @param anchorsAreCorpusRows exclude each anchor's own row
 * @param blockSize anchors per block
 */
public record BlockLayout(int[] anchors, Qrels positives, Qrels knownPositives, boolean anchorsAreCorpusRows,
                          int blockSize) {

    /** Blocks in the run. */
    public int blocks() {
        return (int) Math.ceilDiv((long) anchors.length, (long) blockSize);
    }

    /** Block {@code b}'s anchors, positives and exclusions, without vectors. */
    public AnchorBlock block(int b) {
        int from = b * blockSize;
        int to = Math.min(anchors.length, from + blockSize);
        int[] ordinals = new int[to - from];
        int[][] pos = new int[to - from][];
        int[][] exclusions = new int[to - from][];
        for (int i = from; i < to; i++) {
            int anchor = anchors[i];
            ordinals[i - from] = anchor;
            pos[i - from] = positives.docs(anchor);
            exclusions[i - from] = BlockMiner.exclusionsOf(pos[i - from], knownPositives.docs(anchor),
                    anchorsAreCorpusRows ? anchor : -1);
        }
        return new AnchorBlock(null, ordinals, pos, exclusions);
    }

    /** {@code block} with its anchors' vectors from {@code queries}, loaded into {@code into} (cleared first). */
    public static AnchorBlock loadVectors(AnchorBlock block, VectorStore queries, QueryBlock into) {
        into.clear();
        for (int anchor : block.anchors()) {
            into.add(queries.segment(), queries.rowOffset(anchor));
        }
        return new AnchorBlock(into, block.anchors(), block.positives(), block.exclusions());
    }
}
