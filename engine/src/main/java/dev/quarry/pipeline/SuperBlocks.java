package dev.quarry.pipeline;

import dev.quarry.index.TopK;
import dev.quarry.mining.candidate.AnchorBlock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The candidates of a run's blocks, searched a super-block (consecutive blocks) at a time by a
 * {@link BatchSearch}. The first worker that needs a super-block searches it (on every thread of the
 * run: the search splits itself), the others wait for it; each block takes its slice, and a
 * super-block's candidates are dropped once all its blocks are mined. The pipeline's window keeps
 * workers at most a few blocks ahead of the writer, so at most two super-blocks are held at once.
 * Thread-safe.
 */
final class SuperBlocks {
    private final BlockLayout layout;
    private final BatchSearch search;
    private final int depth;
    private final int blocksPer;
    private final int firstBlock;
    private final int blocks;
    private final ConcurrentHashMap<Integer, Slot> slots = new ConcurrentHashMap<>();

    /** One super-block: its candidates once searched, and how many of its blocks are still to mine. */
    private static final class Slot {
        final CompletableFuture<TopK> result = new CompletableFuture<>();
        final AtomicBoolean claimed = new AtomicBoolean();
        final AtomicInteger left;

        Slot(int blocks) {
            left = new AtomicInteger(blocks);
        }
    }

    /**
     * @param firstBlock the first block the run mines (a resumed run starts mid-way)
     * @param blocks blocks in the run
     */
    SuperBlocks(BlockLayout layout, BatchSearch search, int depth, int firstBlock, int blocks) {
        this.layout = layout;
        this.search = search;
        this.depth = depth;
        this.blocksPer = Math.max(1, search.anchorsPerBatch(layout.blockSize(), depth) / layout.blockSize());
        this.firstBlock = firstBlock;
        this.blocks = blocks;
    }

    /** Blocks per super-block. */
    int blocksPer() {
        return blocksPer;
    }

    /** The candidates of block {@code b}: searched with its super-block, by this thread or another. */
    TopK candidates(int b) {
        int s = b / blocksPer;
        int from = Math.max(firstBlock, s * blocksPer);
        int to = Math.min(blocks, (s + 1) * blocksPer);
        Slot slot = slots.computeIfAbsent(s, x -> new Slot(to - from));
        if (slot.claimed.compareAndSet(false, true)) {
            try {
                slot.result.complete(searchBlocks(from, to));
            } catch (RuntimeException | Error e) {
                slot.result.completeExceptionally(e);
                throw e;
            }
        }
        TopK all;
        try {
            all = slot.result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
        int first = (b - from) * layout.blockSize();
        return all.slice(first, Math.min(all.queries(), first + layout.blockSize()));
    }

    /** Block {@code b} is mined: its super-block's candidates go once every block of it is. */
    void mined(int b) {
        int s = b / blocksPer;
        Slot slot = slots.get(s);
        if (slot != null && slot.left.decrementAndGet() == 0) {
            slots.remove(s);
        }
    }

    private TopK searchBlocks(int from, int to) {
        int anchorsFrom = from * layout.blockSize();
        int anchorsTo = Math.min(layout.anchors().length, to * layout.blockSize());
        int[] anchors = new int[anchorsTo - anchorsFrom];
        int[][] exclusions = new int[anchors.length][];
        for (int b = from; b < to; b++) {
            AnchorBlock block = layout.block(b);
            int at = (b - from) * layout.blockSize();
            System.arraycopy(block.anchors(), 0, anchors, at, block.size());
            System.arraycopy(block.exclusions(), 0, exclusions, at, block.size());
        }
        return search.search(anchors, exclusions, depth);
    }
}
