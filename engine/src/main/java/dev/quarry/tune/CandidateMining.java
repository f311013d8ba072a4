package dev.quarry.tune;

import dev.quarry.Progress;
import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.SearchThreads;
import dev.quarry.index.TopK;
import dev.quarry.index.VectorIndex;
import dev.quarry.mining.BlockMiner;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.candidate.AnchorBlock;
import dev.quarry.mining.strategy.CandidateSource;
import dev.quarry.mining.strategy.IndexSource;
import dev.quarry.pipeline.BlockLayout;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Mines the training anchors once per configuration, with one index search per block of anchors for all
 * of them: the search runs to the deepest rank window any configuration asks for, and each configuration's
 * {@link BlockMiner} reads the first ranks it asks for (the order of a search is total, so the first
 * {@code k} of a deeper search are the search to {@code k}). A configuration that widens short anchors to
 * deeper ranks mines the block from that search too ({@link BlockMiner#mineWithin}); only the anchors it
 * leaves short, a few in a hundred, are searched again to the widened depth, together, and mined from that
 * search. Each configuration gets what {@code quarry mine} would mine with it, for any thread count. Blocks
 * run on the process's search pool.
 */
final class CandidateMining {
    /** Results a deeper search of short anchors holds at once (8 bytes each). */
    private static final int DEEP_RESULTS = 1 << 22;

    private CandidateMining() {
    }

    /**
     * Mines every anchor of {@code layout} with every configuration; result {@code [c][i]} is anchor {@code i}
     * (in layout order) under configuration {@code c}.
     */
    static MinedAnchor[][] mine(List<MiningConfig> configs, VectorIndex index, VectorStore corpus,
                                VectorStore queries, VectorKernels kernels, BlockLayout layout, SearchParams search,
                                int threads, Progress progress) {
        int depth = 0;
        for (MiningConfig c : configs) {
            depth = Math.max(depth, c.rangeMax());
        }
        int anchors = layout.anchors().length;
        MinedAnchor[][] mined = new MinedAnchor[configs.size()][anchors];
        int blocks = layout.blocks();
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        SearchParams params = search.withThreads(1);
        int searchDepth = depth;
        SearchThreads.run("quarry-tune-mine", Math.max(1, Math.min(threads, blocks)), part -> {
            Shared source = new Shared(new IndexSource(index, corpus, params));
            BlockMiner[] miners = new BlockMiner[configs.size()];
            int[] depths = new int[miners.length];
            for (int c = 0; c < miners.length; c++) {
                miners[c] = new BlockMiner(source, corpus, kernels, configs.get(c));
                depths[c] = BlockMiner.depth(configs.get(c), corpus);
            }
            int capacity = Math.min(layout.blockSize(), anchors);
            QueryBlock vectors = new QueryBlock(capacity, queries.dim());
            QueryBlock shortVectors = new QueryBlock(capacity, queries.dim());
            for (int b = next.getAndIncrement(); b < blocks && !failed.get(); b = next.getAndIncrement()) {
                try {
                    AnchorBlock block = BlockLayout.loadVectors(layout.block(b), queries, vectors);
                    source.use(search(index, block, searchDepth, params));
                    int from = b * layout.blockSize();
                    BitSet shortAnchors = new BitSet(block.size());
                    for (int c = 0; c < miners.length; c++) {
                        MinedAnchor[] out = depths[c] > searchDepth
                                ? miners[c].mineWithin(block, source.candidates(block, searchDepth))
                                : miners[c].mine(block);
                        for (int i = 0; i < out.length; i++) {
                            if (out[i] == null) {
                                shortAnchors.set(i);
                            }
                        }
                        System.arraycopy(out, 0, mined[c], from, out.length);
                    }
                    if (!shortAnchors.isEmpty()) {
                        mineDeeper(block, shortAnchors, from, configs, miners, depths, source, queries,
                                shortVectors, index, params, mined);
                    }
                    progress.advance(block.size());
                } catch (RuntimeException | Error e) {
                    failed.set(true);
                    throw e;
                }
            }
        });
        return mined;
    }

    /**
     * Searches the anchors of {@code block} that some configuration left short ({@code shortAnchors}) to the
     * deepest depth those configurations widen to, and fills each configuration's missing results from that
     * search.
     */
    private static void mineDeeper(AnchorBlock block, BitSet shortAnchors, int from, List<MiningConfig> configs,
                                   BlockMiner[] miners, int[] depths, Shared source, VectorStore queries,
                                   QueryBlock into, VectorIndex index, SearchParams params, MinedAnchor[][] mined) {
        int[] all = shortAnchors.stream().toArray();
        int depth = 0;
        for (int c = 0; c < configs.size(); c++) {
            if (needsDeeper(mined[c], from, all)) {
                depth = Math.max(depth, depths[c]);
            }
        }
        // a search to depth R holds R results per anchor: a chunk of short anchors at a time bounds the memory
        int chunk = Math.max(1, DEEP_RESULTS / depth);
        for (int first = 0; first < all.length; first += chunk) {
            int[] at = Arrays.copyOfRange(all, first, Math.min(all.length, first + chunk));
            int n = at.length;
            int[] ordinals = new int[n];
            int[][] positives = new int[n][];
            int[][] exclusions = new int[n][];
            for (int j = 0; j < n; j++) {
                ordinals[j] = block.anchors()[at[j]];
                positives[j] = block.positives()[at[j]];
                exclusions[j] = block.exclusions()[at[j]];
            }
            AnchorBlock deeper = BlockLayout.loadVectors(new AnchorBlock(null, ordinals, positives, exclusions),
                    queries, into);
            source.use(search(index, deeper, depth, params));
            for (int c = 0; c < configs.size(); c++) {
                if (needsDeeper(mined[c], from, at)) {
                    MinedAnchor[] out = miners[c].mine(deeper);
                    for (int j = 0; j < n; j++) {
                        if (mined[c][from + at[j]] == null) {
                            mined[c][from + at[j]] = out[j];
                        }
                    }
                }
            }
        }
    }

    private static boolean needsDeeper(MinedAnchor[] mined, int from, int[] at) {
        for (int i : at) {
            if (mined[from + i] == null) {
                return true;
            }
        }
        return false;
    }

    private static TopK search(VectorIndex index, AnchorBlock block, int depth, SearchParams params) {
        return index.search(block.queries(), depth, Exclusions.ofSorted(block.exclusions()), params);
    }

    /** The current block's search, read to the depth each miner asks for; positives scored as the index source does. */
    private static final class Shared implements CandidateSource {
        private final IndexSource positives;
        private final Map<Integer, TopK> byDepth = new HashMap<>();
        private TopK top;

        Shared(IndexSource positives) {
            this.positives = positives;
        }

        void use(TopK searched) {
            top = searched;
            byDepth.clear();
        }

        @Override
        public TopK candidates(AnchorBlock block, int depth) {
            return depth >= top.k() ? top : byDepth.computeIfAbsent(depth, this::truncated);
        }

        private TopK truncated(int depth) {
            int n = top.queries();
            int[] ids = new int[n * depth];
            float[] scores = new float[n * depth];
            int[] counts = new int[n];
            for (int q = 0; q < n; q++) {
                counts[q] = Math.min(depth, top.count(q));
                for (int i = 0; i < counts[q]; i++) {
                    ids[q * depth + i] = top.id(q, i);
                    scores[q * depth + i] = top.score(q, i);
                }
            }
            return new TopK(n, depth, ids, scores, counts);
        }

        @Override
        public float[] positiveScores(AnchorBlock block, int i) {
            return positives.positiveScores(block, i);
        }

        @Override
        public String describe() {
            return positives.describe();
        }
    }
}
