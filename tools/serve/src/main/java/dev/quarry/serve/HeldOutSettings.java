package dev.quarry.serve;

import java.nio.file.Path;

/**
 * How a server watches held-out recall ({@link RecallMonitor}).
 *
 * @param queries the held-out queries' embeddings at start, or null (none until a refresh brings some)
 * @param qrels their qrels (null exactly when {@code queries} is)
 * @param recallDrop how far (absolute) recall@10 may fall below the best version so far before it is flagged
 * @param onDrop what a flagged drop does to the served options
 */
record HeldOutSettings(Path queries, Path qrels, double recallDrop, RecallMonitor.OnDrop onDrop) {
    /** The default drop allowed: 0.01 absolute recall@10. */
    static final double DEFAULT_DROP = 0.01;

    HeldOutSettings {
        if ((queries == null) != (qrels == null)) {
            throw new IllegalArgumentException("held-out queries and qrels go together");
        }
        if (!(recallDrop >= 0 && recallDrop <= 1)) {
            throw new IllegalArgumentException("recallDrop=" + recallDrop + ", expected 0..1");
        }
    }

    /** No held-out set at start; the defaults for one a refresh brings. */
    static HeldOutSettings none() {
        return new HeldOutSettings(null, null, DEFAULT_DROP, RecallMonitor.OnDrop.WARN);
    }
}
