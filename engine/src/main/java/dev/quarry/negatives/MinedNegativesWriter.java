package dev.quarry.negatives;

import dev.quarry.labels.IdMap;
import dev.quarry.mining.MinedAnchor;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Puts a mining run's anchors into a {@link NegativesStore} as the run writes them: the anchor by its
 * id, its negatives by their corpus ids in rank order with their scores, the index version the run
 * gives and the time of the put. Every anchor is put, including one that got no negatives (it is
 * stored with none, so a reader can tell "mined, nothing found" from "not mined"). Called by one thread
 * (the pipeline's writer); the store itself may be shared.
 */
public final class MinedNegativesWriter implements Consumer<MinedAnchor> {
    private final NegativesStore store;
    private final IdMap anchorIds;
    private final IdMap corpusIds;
    private final long indexVersion;
    private final LongSupplier clock;
    private long written;

    /**
     * @param store where the negatives go
     * @param anchorIds ids of the anchors' rows ({@link MinedAnchor#anchor()} is a row)
     * @param corpusIds ids of the corpus rows (the negatives)
     * @param indexVersion the version recorded with every anchor (0 for a run over files)
     * @param clock the time of each put, milliseconds since the epoch
     */
    public MinedNegativesWriter(NegativesStore store, IdMap anchorIds, IdMap corpusIds, long indexVersion,
                                LongSupplier clock) {
        this.store = store;
        this.anchorIds = anchorIds;
        this.corpusIds = corpusIds;
        this.indexVersion = indexVersion;
        this.clock = clock;
    }

    @Override
    public void accept(MinedAnchor anchor) {
        int[] negatives = anchor.negatives();
        String[] ids = new String[negatives.length];
        for (int i = 0; i < negatives.length; i++) {
            ids[i] = corpusIds.id(negatives[i]);
        }
        store.put(anchorIds.id(anchor.anchor()), new StoredNegatives(ids, anchor.negativeScores(), indexVersion,
                clock.getAsLong()));
        written++;
    }

    /** Anchors put so far. */
    public long written() {
        return written;
    }
}
