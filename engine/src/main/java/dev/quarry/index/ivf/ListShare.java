package dev.quarry.index.ivf;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Shares the list stage between the searches of one call that run side by side, one block per thread (a
 * trainer's batch split in halves): a thread that has scanned its own block's lists scans the lists the other
 * blocks have not claimed yet, into their candidates, so the threads end the stage together. Split by anchors
 * the halves probed unequal bytes (32 lists each of 100 to 600 rows), and the call waited for the slower one;
 * a split by bytes fixed before the lists are known cannot be made without a second hand-off, and a thread
 * that starts late (woken while the other already runs) would still end late. Lists are claimed one at a time,
 * so a thread waits at most for one list another claimed from its block.
 *
 * <p>Only blocks searched by selection ({@link SelectingScan}) whose queries each probe one list take part (at
 * nprobe 1); the others scan alone. Each query's candidates are the same whichever thread scanned its list, so
 * results do not change. One instance per call; thread-safe.
 */
public final class ListShare {
    /** Blocks that may share: a call's threads, with room to spare. */
    private static final int SLOTS = 16;

    private final AtomicReferenceArray<ListScan> scans = new AtomicReferenceArray<>(SLOTS);
    private final AtomicInteger joined = new AtomicInteger();

    /** A share for the blocks of one call. */
    public ListShare() {
    }

    /**
     * Scans {@code own}'s lists on this thread, then the lists of the other blocks that no thread has claimed
     * yet, then waits until the lists of {@code own} that another thread took are merged.
     */
    void scan(ListScan own, ListScan.Buffers buffers) {
        join(own);
        scanJoined(own, buffers);
    }

    /** Makes the lists of {@code own} claimable by the other blocks' threads. */
    void join(ListScan own) {
        int slot = joined.getAndIncrement();
        if (slot < SLOTS) {
            scans.set(slot, own); // published before its lists can be claimed by another thread
        }
    }

    /** {@link #scan} once {@code own} has joined. */
    void scanJoined(ListScan own, ListScan.Buffers buffers) {
        while (own.scanNext(buffers)) {
            // this block's lists, in order
        }
        int seen = Math.min(joined.get(), SLOTS);
        for (int i = 0; i < seen; i++) {
            ListScan other = scans.get(i);
            if (other != null && other != own) {
                while (other.scanNext(buffers)) {
                    // another block's lists nobody has claimed yet
                }
            }
        }
        own.awaitScanned();
    }
}
