package dev.quarry.mining;

import dev.quarry.index.SearchParams;
import dev.quarry.index.SearchThreads;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.ListShare;
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
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hard-negative mining from Java, with no files: anchors as {@code float[][]} or a
 * {@link MemorySegment}, positives as corpus ordinals per anchor, negatives with scores and ranks
 * back. Built for a trainer that calls it between optimizer steps:
 *
 * <pre>{@code
 * try (VectorStore corpus = VectorStore.open(Path.of("corpus.qvec"));
 *      IvfIndex index = IvfIndex.open(Path.of("corpus.qivf"), corpus, kernels);
 *      Miner miner = Miner.builder(corpus).index(index).config(MiningConfig.defaults().withNumNegatives(8))
 *              .search(SearchParams.defaults().withNprobe(8).withThreads(2)).build()) {
 *     List<MinedAnchor> mined = miner.mine(anchorVectors, positivesPerAnchor);
 * }
 * }</pre>
 *
 * <p>Everything a call needs exists before the first call: building a miner runs real calls on its
 * own index and configuration until they run at compiled speed (the kernels, the index's scans and
 * centroid scoring, the filters and the sampler), and parallel work goes to the process's one search
 * pool ({@link SearchThreads}), so no call starts a thread. A batch of up to {@link #BLOCK} anchors
 * over an IVF index is split into one block per thread when each gets at least 16 anchors (a trainer's
 * 64), each block searched, filtered and sampled whole on its thread; a smaller batch, or one over the
 * exact index, is one block searched with the call's threads; a large one is split into blocks mined in
 * parallel. Results are identical for
 * any thread count. {@link MinedAnchor#anchor()} is the anchor's index in the caller's array.
 * Thread-safe: concurrent calls share the pool.
 */
public final class Miner implements AutoCloseable {
    /** Anchors per block: a block's packed queries stay in L2 while the corpus streams by. */
    public static final int BLOCK = 256;
    /**
     * Anchors per thread from which a call of one block over an IVF index is split between threads by anchors
     * ({@link #blockSize}): the block kernels' width (smaller blocks score the centroids in panels instead).
     */
    static final int SPLIT_QUERIES = 16;
    /** How long building a miner may spend warming up. */
    private static final long WARM_UP_CAP_NANOS = 5_000_000_000L;
    /** How long the first miner of a process warms up at least. */
    private static final long WARM_UP_FIRST_NANOS = 2_500_000_000L;
    private static final AtomicBoolean FIRST_WARM_UP = new AtomicBoolean(true);
    /** Flops of one warm-up block of an exact search at most: each anchor scans the whole corpus. */
    private static final double WARM_UP_FLOPS = 2e8;

    private final VectorIndex index;
    private final VectorStore corpus;
    private final VectorKernels kernels;
    private final MiningConfig config;
    private final SearchParams search;
    private final String searchChoice;

    /** A miner over every row of {@code corpus} with the exact index, on all cores, warmed up. */
    public static Miner over(VectorStore corpus, MiningConfig config) {
        return builder(corpus).config(config).build();
    }

    /** A miner over {@code index} (built over {@code corpus}) using up to {@code threads} threads, warmed up. */
    public Miner(VectorIndex index, VectorStore corpus, VectorKernels kernels, MiningConfig config, int threads) {
        this(index, corpus, kernels, config, SearchParams.defaults().withThreads(threads), "as given", true);
    }

    private Miner(VectorIndex index, VectorStore corpus, VectorKernels kernels, MiningConfig config,
                  SearchParams search, String searchChoice, boolean warmUp) {
        if (index.dim() != corpus.dim() || index.size() != corpus.count()) {
            throw new IllegalArgumentException("index (" + index.size() + " x " + index.dim() + ") does not cover corpus "
                    + corpus);
        }
        this.index = index;
        this.corpus = corpus;
        this.kernels = kernels;
        this.config = Objects.requireNonNull(config, "config");
        this.search = Objects.requireNonNull(search, "search");
        this.searchChoice = searchChoice;
        if (warmUp) {
            warmUp();
        }
    }

    /** Starts a miner over {@code corpus}: the exact index, the default configuration, all cores. */
    public static Builder builder(VectorStore corpus) {
        return new Builder(corpus);
    }

    /** The search options a call without its own uses. */
    public SearchParams search() {
        return search;
    }

    /**
     * The search options a call without its own uses and how they were chosen, e.g. {@code nprobe 1 of
     * 4096 lists (latency preset: recall@100 0.962 on 64 corpus rows, target 0.95), 2 threads}.
     */
    public String describeSearch() {
        return searchChoice + ", " + search.threads() + (search.threads() == 1 ? " thread" : " threads");
    }

    /** Mines negatives for heap anchors; {@code positives[i]} are anchor i's positives (corpus ordinals). */
    public List<MinedAnchor> mine(float[][] anchors, int[][] positives) {
        return mine(anchors, positives, null, search);
    }

    /**
     * As {@link #mine(float[][], int[][])}, with known positives per anchor ({@code knownPositives[i]},
     * may be null): rows that must never be negatives but are not the labelled positive.
     */
    public List<MinedAnchor> mine(float[][] anchors, int[][] positives, int[][] knownPositives) {
        return mine(anchors, positives, knownPositives, search);
    }

    /** As {@link #mine(float[][], int[][], int[][])}, with this call's search options (nprobe, threads). */
    public List<MinedAnchor> mine(float[][] anchors, int[][] positives, int[][] knownPositives, SearchParams params) {
        checkShapes(anchors.length, positives, knownPositives);
        for (int i = 0; i < anchors.length; i++) {
            if (anchors[i].length != corpus.dim()) {
                throw new IllegalArgumentException("anchors[" + i + "] length=" + anchors[i].length + ", expected dim="
                        + corpus.dim());
            }
        }
        return mineBlocks(anchors.length, positives, knownPositives, params, (block, from, to) -> {
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
        return mine(anchors, firstOffset, stride, count, positives, search);
    }

    /** As {@link #mine(MemorySegment, long, long, int, int[][])}, with this call's search options. */
    public List<MinedAnchor> mine(MemorySegment anchors, long firstOffset, long stride, int count, int[][] positives,
                                  SearchParams params) {
        checkShapes(count, positives, null);
        return mineBlocks(count, positives, null, params, (block, from, to) -> {
            for (int i = from; i < to; i++) {
                block.add(anchors, firstOffset + i * stride);
            }
        });
    }

    @FunctionalInterface
    private interface BlockFiller {
        void fill(QueryBlock block, int from, int to);
    }

    private List<MinedAnchor> mineBlocks(int count, int[][] positives, int[][] known, SearchParams params,
                                         BlockFiller filler) {
        Objects.requireNonNull(params, "params");
        int size = blockSize(index, count, params.threads());
        int blocks = (count + size - 1) / size;
        if (blocks <= 1 || params.threads() == 1) {
            // One block: its search splits across the call's threads. Several on one thread: in turn.
            SearchParams one = blocks <= 1 ? params : params.withThreads(1);
            BlockMiner miner = new BlockMiner(new IndexSource(index, corpus, one), corpus, kernels, config);
            List<MinedAnchor> out = new ArrayList<>(count);
            for (int b = 0; b < blocks; b++) {
                out.addAll(Arrays.asList(mineBlock(miner, b, size, count, positives, known, filler)));
            }
            return out;
        }
        // Blocks in parallel, each searched on one thread. A failed block stops the blocks not started yet,
        // and the call returns (or throws) only once every part is done: nothing of a failed call keeps
        // running, or reading the caller's corpus, after it returns.
        MinedAnchor[][] results = new MinedAnchor[blocks][];
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        SearchParams single = params.withThreads(1);
        // The blocks' list stages shared out (IVF, nprobe 1), so the threads end together whatever each block probed.
        ListShare share = new ListShare();
        SearchThreads.run("quarry-miner", Math.min(params.threads(), blocks), part -> {
            BlockMiner miner = new BlockMiner(new IndexSource(index, corpus, single, share), corpus, kernels, config);
            for (int b = next.getAndIncrement(); b < blocks && !failed.get(); b = next.getAndIncrement()) {
                try {
                    results[b] = mineBlock(miner, b, size, count, positives, known, filler);
                } catch (RuntimeException | Error e) {
                    failed.set(true);
                    throw e;
                }
            }
        });
        List<MinedAnchor> out = new ArrayList<>(count);
        for (MinedAnchor[] block : results) {
            out.addAll(Arrays.asList(block));
        }
        return out;
    }

    /**
     * Anchors per block of a call of {@code count} anchors on {@code threads} threads: {@link #BLOCK}, except
     * that a call of one block over an IVF index with at least {@link #SPLIT_QUERIES} anchors per thread is
     * split into one block per thread, each mined whole on its thread. Such a block's search would otherwise
     * hand work to the other threads up to three times (centroid scoring, the list scan, an int8 index's
     * rescoring), the caller waiting at each, and then filter and sample on the caller alone; split, the call
     * hands off once and every stage runs on every thread. The work is the same: a query's probed lists are
     * its own (64 anchors share few of 4,096 lists), and every thread's block is wide enough for the block
     * kernels. An exact index keeps one block: there every query reads every row, and splitting would read
     * the corpus once per thread. Results are the same either way: an anchor's negatives depend on the
     * anchor and the configuration only (what {@code SameBlockSplitTest} checks).
     */
    static int blockSize(VectorIndex index, int count, int threads) {
        if (count > BLOCK || threads <= 1 || !(index instanceof IvfIndex)) {
            return BLOCK;
        }
        for (int parts = Math.min(threads, count / SPLIT_QUERIES); parts > 1; parts--) {
            int size = (count + parts - 1) / parts;
            int blocks = (count + size - 1) / size;
            int last = count - (blocks - 1) * size;
            if (last >= SPLIT_QUERIES) { // every block as wide as the kernels, the last one too
                return size;
            }
        }
        return BLOCK;
    }

    private MinedAnchor[] mineBlock(BlockMiner miner, int b, int size, int count, int[][] positives, int[][] known,
                                    BlockFiller filler) {
        int from = b * size;
        int to = Math.min(count, from + size);
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

    /**
     * Runs real calls (corpus rows as anchors, each its own positive) on this miner's index and
     * configuration until the JIT has compiled what a trainer's calls run: the kernels for the segments
     * this index reads, its scans and centroid scoring, the filters and the sampler. Calls alternate
     * between a single anchor and a block of them, since small and large blocks take different kernels.
     * A call's own time cannot tell compiled from interpreted (slow calls can be steady while C2 works
     * through its queue), so the first miner of a process warms up for a few seconds in any case, and
     * every miner until the JIT has compiled nothing new and calls stopped getting faster, within 5 s.
     */
    private void warmUp() {
        if (corpus.count() <= config.rangeMax()) {
            kernels.warmUp();
            return; // nothing to search that the index would accept: the kernels' own warm-up only
        }
        // Blocks of 64, 48, 32, 17, 8, 3 and 1 anchors: every panel width of the block kernels (4, 3, 2 and 1
        // vectors of 16 lanes) and of the row-lane kernels (4, 2 and 1 queries), so no first call meets a kernel
        // shape the JIT compiled away. An exact search of a large corpus warms on fewer anchors.
        int most = index instanceof FlatIndex
                ? (int) Math.max(1, Math.min(64, WARM_UP_FLOPS / (2.0 * corpus.dim() * corpus.count()))) : 64;
        float[][] anchors = new float[most][corpus.dim()];
        int[][] positives = new int[most][];
        for (int i = 0; i < most; i++) {
            long row = i * (corpus.count() / most);
            corpus.copyRow(row, anchors[i]);
            // Half the anchors are their own positive (their neighbours pass the margins), half have a far
            // row as positive (their candidates fail them): every branch a real call takes is taken here,
            // and the first real call does not meet a branch the JIT compiled away.
            positives[i] = new int[] {(int) (i % 2 == 0 ? row : (row + corpus.count() / 2) % corpus.count())};
        }
        int[] sizes = java.util.stream.IntStream.of(64, 48, 32, 17, 8, 3, 1).filter(n -> n <= most).toArray();
        // The JIT's queue drains slowly on a small machine (the big kernels take C2 hundreds of milliseconds
        // each, and a call can run steadily slow meanwhile), so the process's first miner warms up for a
        // while in any case; later ones stop once nothing is compiled and calls stop getting faster.
        long minimum = FIRST_WARM_UP.getAndSet(false) ? WARM_UP_FIRST_NANOS : 0;
        long start = System.nanoTime();
        WarmUpRounds rounds = new WarmUpRounds();
        while (System.nanoTime() - start < WARM_UP_CAP_NANOS) {
            long t = System.nanoTime();
            for (int n : sizes.length == 0 ? new int[] {most} : sizes) {
                mine(Arrays.copyOf(anchors, n), Arrays.copyOf(positives, n), null, search);
            }
            // every round counts, the first miner's minimum included
            if (rounds.settled(System.nanoTime() - t) && System.nanoTime() - start >= minimum) {
                break;
            }
        }
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

    /** Nothing to release: the pool is the process's, and the corpus and index are the caller's. */
    @Override
    public void close() {
        // Kept AutoCloseable so callers' try-with-resources stay valid if a miner holds resources again.
    }

    /** Options of a {@link Miner}; unset ones keep their defaults. Not thread-safe. */
    public static final class Builder {
        private final VectorStore corpus;
        private VectorIndex index;
        private VectorKernels kernels = VectorKernelsProvider.get();
        private MiningConfig config = MiningConfig.defaults();
        private SearchParams search = SearchParams.defaults().withThreads(Runtime.getRuntime().availableProcessors());
        private boolean warmUp = true;
        private Boolean preload;
        private MinerPreset preset = MinerPreset.DEFAULT;

        private Builder(VectorStore corpus) {
            this.corpus = Objects.requireNonNull(corpus, "corpus");
        }

        /** The index to search (default: the exact index over the corpus). */
        public Builder index(VectorIndex i) {
            index = i;
            return this;
        }

        /** The kernels (default: the best this machine has). */
        public Builder kernels(VectorKernels k) {
            kernels = k;
            return this;
        }

        /** What to mine (default: {@link MiningConfig#defaults()}). */
        public Builder config(MiningConfig c) {
            config = c;
            return this;
        }

        /** Search options of every call that passes none: nprobe, threads (default: index default, all cores). */
        public Builder search(SearchParams s) {
            search = s;
            return this;
        }

        /** Whether building warms the miner up (default: yes; a benchmark of the cold path turns it off). */
        public Builder warmUp(boolean w) {
            warmUp = w;
            return this;
        }

        /**
         * Whether building reads the index and the corpus into memory first (default: no; yes under the
         * latency preset), so that no call pays a page fault: worth it for a trainer whose machine holds
         * them in memory.
         */
        public Builder preload(boolean p) {
            preload = p;
            return this;
        }

        /**
         * Settings chosen together for a kind of caller (default: {@link MinerPreset#DEFAULT}); an
         * explicit {@link #search} nprobe (the preset then tunes nothing), coarse stage or oversample, or an
         * explicit {@link #preload}, wins over the preset's.
         */
        public Builder preset(MinerPreset p) {
            preset = Objects.requireNonNull(p, "preset");
            return this;
        }

        public Miner build() {
            VectorIndex chosen = index != null ? index : new FlatIndex(corpus, kernels);
            boolean latency = preset == MinerPreset.LATENCY;
            if (preload != null ? preload : latency) {
                chosen.preload();
                corpus.preload(); // the filters read candidate and positive rows from it
            }
            SearchParams params = search;
            String choice = search.nprobe() == 0 ? "the index's default nprobe" : "nprobe " + search.nprobe();
            if (latency && search.nprobe() == 0) {
                // The measurement's exact search runs the block kernels: compiled first, it takes a fraction
                // of a second; interpreted, minutes. The miner's own warm-up then runs at the chosen nprobe.
                kernels.warmUp();
                LatencyTuning.Choice tuned = LatencyTuning.choose(chosen, corpus, kernels, config, search);
                params = tuned.search();
                choice = tuned.description();
            }
            return new Miner(chosen, corpus, kernels, config, params, choice, warmUp);
        }
    }
}
