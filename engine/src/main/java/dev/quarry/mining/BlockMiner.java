package dev.quarry.mining;

import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import dev.quarry.index.TopK;
import dev.quarry.mining.candidate.AnchorBlock;
import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.mining.candidate.Candidates;
import dev.quarry.mining.filter.FilterChain;
import dev.quarry.mining.sample.NegativeSampler;
import dev.quarry.mining.strategy.CandidateSource;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import java.util.Arrays;

/**
 * Mines one block of anchors: the candidates of ranks {@code [0, rangeMax)} for the whole block from
 * a {@link CandidateSource} (one batched index search, a batch's positives, a run file...), then per
 * anchor the positive scores, the filters and the sampler. Under a {@link ShortfallPolicy} that widens,
 * the source is searched to the widened depth at once, and an anchor the filters leave short takes the
 * survivors of the next windows of ranks, one window at a time, until it has enough; under one that
 * leaves short anchors out, an anchor still short is marked so and keeps no negative. Every result is a
 * function of the anchor and the configuration only, so blocks can be mined in any order on any thread.
 * One instance per thread (it reuses its buffers).
 */
public final class BlockMiner {
    private final CandidateSource source;
    private final VectorStore corpus;
    private final VectorKernels kernels;
    private final MiningConfig config;
    private final FilterChain filters;
    private final NegativeSampler sampler;
    private final Candidates candidates;
    private final Candidates deeper;
    private final FilterChain[] widened;
    private final int depth;

    /**
     * @param source where candidates come from
     * @param corpus the corpus vectors for filters that compare vectors (null without embeddings)
     */
    public BlockMiner(CandidateSource source, VectorStore corpus, VectorKernels kernels, MiningConfig config) {
        if (corpus == null && !Double.isNaN(config.nearDuplicate())) {
            throw new OptionError(MineSettings.NEAR_DUPLICATE, config.nearDuplicate(), "off without corpus"
                    + " embeddings (the filter compares vectors)");
        }
        this.source = source;
        this.corpus = corpus;
        this.kernels = kernels;
        this.config = config;
        this.filters = config.filterChain();
        this.sampler = config.sampler();
        this.depth = depth(config, corpus);
        this.candidates = new Candidates(depth);
        this.deeper = new Candidates(depth);
        int width = config.rangeMax() - config.rangeMin();
        this.widened = new FilterChain[Math.max(0, (depth - config.rangeMax() + width - 1) / width)];
        for (int w = 0; w < widened.length; w++) {
            int from = config.rangeMax() + w * width;
            widened[w] = config.filterChain(from, Math.min(depth, from + width));
        }
    }

    /**
     * How many ranks a block's candidates are searched to: {@code rangeMax}, or deeper when the shortfall
     * policy widens the window, never past the corpus's last rank.
     */
    public static int depth(MiningConfig config, VectorStore corpus) {
        return corpus == null ? config.searchDepth() : config.searchDepth(corpus.count());
    }

    /** Mines the anchors of a block. */
    public MinedAnchor[] mine(AnchorBlock block) {
        return mine(block, source.candidates(block, depth));
    }

    /**
     * Mines the anchors of a block from candidates searched beforehand (ranks {@code [0, depth)} of each
     * anchor, {@link #depth(MiningConfig, VectorStore)}, exclusions applied, as the source would have given
     * them): a search of many blocks at once shares the index's lists between them. The source still scores
     * the positives.
     */
    public MinedAnchor[] mine(AnchorBlock block, TopK top) {
        if (top.queries() != block.size() || top.k() > depth) {
            throw new IllegalArgumentException("candidates for " + top.queries() + " anchors, k=" + top.k()
                    + "; expected " + block.size() + " anchors, k <= depth=" + depth);
        }
        MinedAnchor[] mined = new MinedAnchor[block.size()];
        float[][] positiveScores = source.positiveScores(block);
        for (int q = 0; q < block.size(); q++) {
            int[] pos = block.positives()[q];
            float[] posScores = positiveScores[q];
            AnchorContext ctx = new AnchorContext(block.anchors()[q], pos, posScores, AnchorContext.reference(posScores),
                    corpus, kernels, source.nearDuplicates(block, q));
            candidates.load(top, q);
            Shortfall shortfall = filters.apply(candidates, ctx);
            if (shortfall != Shortfall.NONE && widened.length > 0) {
                shortfall = widen(top, q, ctx, shortfall);
            }
            Shortfall sampled = sampler.sample(candidates, config.numNegatives(), ctx);
            if (shortfall == Shortfall.NONE) {
                shortfall = sampled;
            }
            boolean leftOut = shortfall != Shortfall.NONE && config.shortfall().leaveOut();
            int found = leftOut ? 0 : candidates.size();
            mined[q] = new MinedAnchor(block.anchors()[q], pos.clone(), posScores, candidates.ids(found),
                    candidates.scores(found), candidates.ranks(found), shortfall, leftOut);
        }
        return mined;
    }

    /**
     * Adds the survivors of the next windows of ranks to the candidates, a window at a time, until there are
     * enough; returns {@link Shortfall#NONE} then, the first window's reason otherwise.
     */
    private Shortfall widen(TopK top, int q, AnchorContext ctx, Shortfall first) {
        for (FilterChain window : widened) {
            deeper.load(top, q);
            window.apply(deeper, ctx);
            candidates.append(deeper);
            if (candidates.size() >= config.numNegatives()) {
                return Shortfall.NONE;
            }
        }
        return first;
    }

    /**
     * The sorted union of an anchor's positives, known positives and, when anchors are corpus rows,
     * the anchor itself ({@code self >= 0}).
     */
    public static int[] exclusionsOf(int[] positives, int[] knownPositives, int self) {
        int[] all = Arrays.copyOf(positives, positives.length + knownPositives.length + (self >= 0 ? 1 : 0));
        System.arraycopy(knownPositives, 0, all, positives.length, knownPositives.length);
        if (self >= 0) {
            all[all.length - 1] = self;
        }
        Arrays.sort(all);
        int distinct = 0;
        for (int i = 0; i < all.length; i++) {
            if (i == 0 || all[i] != all[i - 1]) {
                all[distinct++] = all[i];
            }
        }
        return distinct == all.length ? all : Arrays.copyOf(all, distinct);
    }
}
