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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Mines the training anchors once per configuration, with one index search per block of anchors for all
 * of them: the search runs to the deepest depth any configuration asks for, and each configuration's
 * {@link BlockMiner} reads the first ranks it asks for (the order of a search is total, so the first
 * {@code k} of a deeper search are the search to {@code k}). Each configuration gets what {@code quarry
 * mine} would mine with it, for any thread count. Blocks run on the process's search pool.
 */
final class CandidateMining {
    private CandidateMining() {
    }

    /**
     * Mines every anchor of {@code layout} with every configuration; result {@code [c][i]} is anchor {@code i}
     * (in layout order) under configuration {@code c}.
     */
    static MinedAnchor[][] mine(List<MiningConfig> configs, VectorIndex index, VectorStore corpus,
                                VectorStore queries, VectorKernels kernels, BlockLayout layout, int nprobe,
                                int threads, Progress progress) {
        int depth = 0;
        for (MiningConfig c : configs) {
            depth = Math.max(depth, c.searchDepth(corpus.count()));
        }
        int anchors = layout.anchors().length;
        MinedAnchor[][] mined = new MinedAnchor[configs.size()][anchors];
        int blocks = layout.blocks();
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        SearchParams params = SearchParams.defaults().withNprobe(nprobe).withThreads(1);
        int searchDepth = depth;
        SearchThreads.run("quarry-tune-mine", Math.max(1, Math.min(threads, blocks)), part -> {
            Shared source = new Shared(new IndexSource(index, corpus, params));
            BlockMiner[] miners = new BlockMiner[configs.size()];
            for (int c = 0; c < miners.length; c++) {
                miners[c] = new BlockMiner(source, corpus, kernels, configs.get(c));
            }
            QueryBlock vectors = new QueryBlock(Math.min(layout.blockSize(), anchors), queries.dim());
            for (int b = next.getAndIncrement(); b < blocks && !failed.get(); b = next.getAndIncrement()) {
                try {
                    AnchorBlock block = BlockLayout.loadVectors(layout.block(b), queries, vectors);
                    source.use(index.search(block.queries(), searchDepth, Exclusions.ofSorted(block.exclusions()),
                            params));
                    for (int c = 0; c < miners.length; c++) {
                        MinedAnchor[] out = miners[c].mine(block);
                        System.arraycopy(out, 0, mined[c], b * layout.blockSize(), out.length);
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
