package dev.quarry.mining;

import dev.quarry.index.SearchParams;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.mining.candidate.AnchorBlock;
import dev.quarry.mining.strategy.IndexSource;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hard-negative mining from Java, with no files: anchors as {@code float[][]} or a
 * {@link MemorySegment}, positives as corpus ordinals per anchor, negatives with scores and ranks
 * back. For trainers that mine in-process between epochs.
 *
 * <pre>{@code
 * try (VectorStore corpus = VectorStore.open(Path.of("corpus.qvec"));
 *      Miner miner = Miner.over(corpus, MiningConfig.defaults().withNumNegatives(8))) {
 *     List<MinedAnchor> mined = miner.mine(anchorVectors, positivesPerAnchor);
 * }
 * }</pre>
 *
 * <p>A small batch is one block searched with all the miner's threads; a large one is split into
 * blocks mined in parallel. Results are identical for any thread count. {@link MinedAnchor#anchor()}
 * is the anchor's index in the caller's array. Thread-safe: concurrent calls share the pool.
 */
public final class Miner implements AutoCloseable {
    /** Anchors per block: a block's packed queries stay in L2 while the corpus streams by. */
    public static final int BLOCK = 256;

    private final VectorIndex index;
    private final VectorStore corpus;
    private final VectorKernels kernels;
    private final MiningConfig config;
    private final int threads;
    private final ExecutorService pool;

    /** A miner over every row of {@code corpus} with the exact index, on all cores. */
    public static Miner over(VectorStore corpus, MiningConfig config) {
        VectorKernels kernels = VectorKernelsProvider.get();
        return new Miner(new FlatIndex(corpus, kernels), corpus, kernels, config,
                Runtime.getRuntime().availableProcessors());
    }

    /** A miner over {@code index} (built over {@code corpus}) using up to {@code threads} threads. */
    public Miner(VectorIndex index, VectorStore corpus, VectorKernels kernels, MiningConfig config, int threads) {
        if (index.dim() != corpus.dim() || index.size() != corpus.count()) {
            throw new IllegalArgumentException("index (" + index.size() + " x " + index.dim() + ") does not cover corpus "
                    + corpus);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads=" + threads + ", expected >= 1");
        }
        this.index = index;
        this.corpus = corpus;
        this.kernels = kernels;
        this.config = config;
        this.threads = threads;
        this.pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "quarry-miner");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /** Mines negatives for heap anchors; {@code positives[i]} are anchor i's positives (corpus ordinals). */
    public List<MinedAnchor> mine(float[][] anchors, int[][] positives) {
        return mine(anchors, positives, null);
    }

    /**
     * As {@link #mine(float[][], int[][])}, with known positives per anchor ({@code knownPositives[i]},
     * may be null): rows that must never be negatives but are not the labelled positive.
     */
    public List<MinedAnchor> mine(float[][] anchors, int[][] positives, int[][] knownPositives) {
        checkShapes(anchors.length, positives, knownPositives);
        for (int i = 0; i < anchors.length; i++) {
            if (anchors[i].length != corpus.dim()) {
                throw new IllegalArgumentException("anchors[" + i + "] length=" + anchors[i].length + ", expected dim="
                        + corpus.dim());
            }
        }
        return mineBlocks(anchors.length, positives, knownPositives, (block, from, to) -> {
            for (int i = from; i < to; i++) {
                block.add(anchors[i]);
            }
        });
    }

    /**
     * Mines negatives for {@code count} anchors held in a segment (little-endian float32, anchor i at
     * byte {@code firstOffset + i * stride}), e.g. a mapped query store or a trainer's native buffer.
     */
    public List<MinedAnchor> mine(MemorySegment anchors, long firstOffset, long stride, int count, int[][] positives) {
        checkShapes(count, positives, null);
        return mineBlocks(count, positives, null, (block, from, to) -> {
            for (int i = from; i < to; i++) {
                block.add(anchors, firstOffset + i * stride);
            }
        });
    }

    @FunctionalInterface
    private interface BlockFiller {
        void fill(QueryBlock block, int from, int to);
    }

    private List<MinedAnchor> mineBlocks(int count, int[][] positives, int[][] known, BlockFiller filler) {
        kernels.warmUp();
        int blocks = (count + BLOCK - 1) / BLOCK;
        if (blocks <= 1 || pool == null) {
            SearchParams params = SearchParams.defaults().withThreads(blocks <= 1 ? threads : 1);
            BlockMiner miner = new BlockMiner(new IndexSource(index, corpus, params), corpus, kernels, config);
            List<MinedAnchor> out = new ArrayList<>(count);
            for (int b = 0; b < blocks; b++) {
                out.addAll(Arrays.asList(mineBlock(miner, b, count, positives, known, filler)));
            }
            return out;
        }
        // A failed block stops the blocks not started yet, and the call waits for those running: nothing of a
        // failed call keeps running (or reading the caller's corpus) after it returns.
        AtomicBoolean failed = new AtomicBoolean();
        List<Future<MinedAnchor[]>> futures = new ArrayList<>(blocks);
        for (int b = 0; b < blocks; b++) {
            int block = b;
            futures.add(pool.submit(() -> {
                if (failed.get()) {
                    return null;
                }
                try {
                    return mineBlock(new BlockMiner(new IndexSource(index, corpus, SearchParams.defaults()), corpus,
                            kernels, config), block, count, positives, known, filler);
                } catch (RuntimeException | Error e) {
                    failed.set(true);
                    throw e;
                }
            }));
        }
        List<MinedAnchor> out = new ArrayList<>(count);
        Throwable failure = null;
        InterruptedException interrupted = null;
        for (Future<MinedAnchor[]> f : futures) {
            while (true) {
                try {
                    MinedAnchor[] mined = f.get();
                    if (mined != null && failure == null) {
                        out.addAll(Arrays.asList(mined));
                    }
                    break;
                } catch (InterruptedException e) {
                    failed.set(true);
                    interrupted = e;
                } catch (ExecutionException e) {
                    failed.set(true);
                    if (failure == null) {
                        failure = e.getCause();
                    } else {
                        failure.addSuppressed(e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted != null) {
            Thread.currentThread().interrupt();
            IllegalStateException e = new IllegalStateException("interrupted while mining", interrupted);
            if (failure != null) {
                e.addSuppressed(failure);
            }
            throw e;
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure != null) {
            throw new IllegalStateException("mining failed", failure);
        }
        return out;
    }

    private MinedAnchor[] mineBlock(BlockMiner miner, int b, int count, int[][] positives, int[][] known,
                                    BlockFiller filler) {
        int from = b * BLOCK;
        int to = Math.min(count, from + BLOCK);
        QueryBlock block = new QueryBlock(to - from, corpus.dim());
        filler.fill(block, from, to);
        int[] anchorIds = new int[to - from];
        int[][] pos = new int[to - from][];
        int[][] excluded = new int[to - from][];
        for (int i = from; i < to; i++) {
            anchorIds[i - from] = i;
            pos[i - from] = sortedDistinct(positives[i]);
            int[] k = known == null || known[i] == null ? new int[0] : known[i];
            excluded[i - from] = BlockMiner.exclusionsOf(pos[i - from], k, -1);
        }
        return miner.mine(new AnchorBlock(block, anchorIds, pos, excluded));
    }

    private void checkShapes(int count, int[][] positives, int[][] known) {
        if (positives.length != count) {
            throw new IllegalArgumentException("positives.length=" + positives.length + ", expected one array per anchor ("
                    + count + ")");
        }
        if (known != null && known.length != count) {
            throw new IllegalArgumentException("knownPositives.length=" + known.length + ", expected " + count);
        }
        for (int i = 0; i < count; i++) {
            checkOrdinals("positives[" + i + "]", positives[i]);
            if (known != null && known[i] != null) {
                checkOrdinals("knownPositives[" + i + "]", known[i]);
            }
        }
    }

    private void checkOrdinals(String what, int[] ordinals) {
        if (ordinals == null) {
            throw new IllegalArgumentException(what + "=null, expected an array of corpus ordinals");
        }
        for (int o : ordinals) {
            if (o < 0 || o >= corpus.count()) {
                throw new IllegalArgumentException(what + " holds " + o + ", expected 0 <= ordinal < " + corpus.count());
            }
        }
    }

    private static int[] sortedDistinct(int[] values) {
        int[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                sorted[n++] = sorted[i];
            }
        }
        return Arrays.copyOf(sorted, n);
    }

    /** Stops the pool; the corpus and index stay open (the caller owns them). */
    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
