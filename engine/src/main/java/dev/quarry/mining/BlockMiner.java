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
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import java.util.Arrays;

/**
 * Mines one block of anchors: the candidates of ranks {@code [0, rangeMax)} for the whole block from
 * a {@link CandidateSource} (one batched index search, a batch's positives, a run file...), then per
 * anchor the positive scores, the filters and the sampler. Under a {@link ShortfallPolicy} that widens,
 * an anchor the filters leave short takes the survivors of the next windows of ranks, one window at a
 * time, until it has enough: a source that searches each anchor alone (an index) searches the block to
 * {@code rangeMax} and the short anchors again, on their own, to the widened depth; another source is
 * searched to the widened depth at once. Under a policy that
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
    private final int[] widenedFrom;
    private final int[] widenedEnd;
    private final int depth;
    /** Results a deeper search of short anchors holds at once (8 bytes each). */
    private static final int DEEP_RESULTS = 1 << 22;
    private QueryBlock subVectors;
    private float[] row;

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
        this.widenedFrom = new int[widened.length];
        this.widenedEnd = new int[widened.length];
        for (int w = 0; w < widened.length; w++) {
            int from = config.rangeMax() + w * width;
            widenedFrom[w] = from;
            widenedEnd[w] = Math.min(depth, from + width);
            widened[w] = config.filterChain(from, widenedEnd[w]);
        }
    }

    /**
     * How many ranks a block's candidates are searched to: {@code rangeMax}, or deeper when the shortfall
     * policy widens the window, never past the corpus's last rank.
     */
    public static int depth(MiningConfig config, VectorStore corpus) {
        return corpus == null ? config.searchDepth() : config.searchDepth(corpus.count());
    }

    /**
     * How deep a block is searched first by a source that searches each anchor alone: {@code rangeMax}. Under a
     * policy that widens, only the anchors the filters leave short are then searched to {@link #depth}, on
     * their own: an anchor rarely needs the deep ranks, and a search to rank R costs every anchor a heap of R.
     */
    public static int firstSearchDepth(MiningConfig config, VectorStore corpus) {
        return Math.min(depth(config, corpus), config.rangeMax());
    }

    /** Mines the anchors of a block. */
    public MinedAnchor[] mine(AnchorBlock block) {
        return mine(block, source.candidates(block, source.searchesEachAnchorAlone()
                ? Math.min(depth, config.rangeMax()) : depth));
    }

    /**
     * Mines the anchors of a block from candidates searched beforehand (ranks {@code [0, depth)} of each
     * anchor, {@link #depth(MiningConfig, VectorStore)}, exclusions applied, as the source would have given
     * them): a search of many blocks at once shares the index's lists between them. The source still scores
     * the positives. Candidates searched to fewer ranks, from a source that searches each anchor alone (at least
     * {@link #firstSearchDepth}): the anchors whose widening reads deeper are searched again by the source, on
     * their own, to the full depth.
     */
    public MinedAnchor[] mine(AnchorBlock block, TopK top) {
        if (top.k() >= depth || !source.searchesEachAnchorAlone()) {
            return mine(block, top, false);
        }
        MinedAnchor[] mined = mineWithin(block, top);
        int[] deeper = shortAnchors(mined);
        // a search to depth R holds R results per anchor: a chunk of short anchors at a time bounds the memory
        int chunk = Math.max(1, DEEP_RESULTS / depth);
        for (int from = 0; from < deeper.length; from += chunk) {
            AnchorBlock sub = subBlock(block, deeper, from, Math.min(deeper.length, from + chunk));
            MinedAnchor[] out = mine(sub, source.candidates(sub, depth), false);
            for (int j = 0; j < out.length; j++) {
                mined[deeper[from + j]] = out[j];
            }
        }
        return mined;
    }

    private static int[] shortAnchors(MinedAnchor[] mined) {
        int n = 0;
        for (MinedAnchor m : mined) {
            n += m == null ? 1 : 0;
        }
        int[] at = new int[n];
        for (int i = 0, j = 0; i < mined.length; i++) {
            if (mined[i] == null) {
                at[j++] = i;
            }
        }
        return at;
    }

    /** The anchors {@code at[from, to)} of {@code block}, with their vectors, as a block of their own. */
    private AnchorBlock subBlock(AnchorBlock block, int[] at, int from, int to) {
        int n = to - from;
        if (row == null) {
            row = new float[block.queries().dim()];
        }
        if (subVectors == null || subVectors.capacity() < n) {
            subVectors = new QueryBlock(Math.max(n, block.size()), block.queries().dim());
        }
        subVectors.clear();
        int[] anchors = new int[n];
        int[][] positives = new int[n][];
        int[][] exclusions = new int[n][];
        for (int j = 0; j < n; j++) {
            int i = at[from + j];
            anchors[j] = block.anchors()[i];
            positives[j] = block.positives()[i];
            exclusions[j] = block.exclusions()[i];
            block.queries().copyTo(i, row);
            subVectors.add(row);
        }
        return new AnchorBlock(subVectors, anchors, positives, exclusions);
    }

    /**
     * Mines the anchors of a block from candidates searched to fewer ranks than {@link #depth(MiningConfig,
     * VectorStore)} (at least {@code rangeMax}): an anchor its first window completes, or the windows within
     * {@code top.k()}, is mined exactly as from the full depth; an anchor whose widening would read a rank at
     * or past {@code top.k()} gets null: mine it again from a search to the full depth (a block of such anchors
     * alone gives the same result, since every result is a function of the anchor). So only the anchors
     * that come up short pay for the deep ranks.
     */
    public MinedAnchor[] mineWithin(AnchorBlock block, TopK top) {
        if (top.k() < Math.min(depth, config.rangeMax())) {
            throw new IllegalArgumentException("candidates to k=" + top.k() + "; expected at least rangeMax="
                    + config.rangeMax());
        }
        return mine(block, top, true);
    }

    private MinedAnchor[] mine(AnchorBlock block, TopK top, boolean partial) {
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
                shortfall = widen(top, q, ctx, shortfall, partial);
                if (shortfall == null) {
                    continue;
                }
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
     * enough; returns {@link Shortfall#NONE} then, the first window's reason otherwise, or null when
     * {@code partial} and a window reaches past the ranks {@code top} holds while the search had more to give.
     * A widened window takes no rank within {@code rangeMin} ranks of the first one the score caps let through
     * ({@link MiningConfig#scoreCap}): the first window skips the hardest ranks because unlabelled positives
     * hide there, and for an anchor the margin left short the hardest ranks it may take are those just under
     * the cap, scoring about as high as its positive; on the docstring catalog they held every known positive
     * that widening mined (docs/defences.md).
     */
    private Shortfall widen(TopK top, int q, AnchorContext ctx, Shortfall first, boolean partial) {
        long skipBelow = (long) firstRankUnderCaps(top, q, ctx) + config.rangeMin();
        for (int w = 0; w < widened.length; w++) {
            if (widenedEnd[w] <= skipBelow) {
                continue;
            }
            if (partial && widenedEnd[w] > top.k() && top.count(q) == top.k()) {
                return null;
            }
            if (top.ranksArePositions()) {
                deeper.load(top, q, widenedFrom[w], widenedEnd[w]);
            } else {
                deeper.load(top, q);
            }
            if (widenedFrom[w] < skipBelow) {
                deeper.retain((id, score, rank) -> rank >= skipBelow);
            }
            widened[w].apply(deeper, ctx);
            candidates.append(deeper);
            if (candidates.size() >= config.numNegatives()) {
                return Shortfall.NONE;
            }
        }
        return first;
    }

    /**
     * The first rank of {@code top}'s query {@code q} whose score is at or under the caps; when none is, the
     * number of results (with ranks as positions, a lower bound: a deeper search may find it further on), or
     * {@code Integer.MAX_VALUE} with explicit ranks (nothing deeper passes either).
     */
    private int firstRankUnderCaps(TopK top, int q, AnchorContext ctx) {
        double cap = config.scoreCap(ctx.reference());
        int n = top.count(q);
        int first = Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            if (top.score(q, i) <= cap) {
                if (top.ranksArePositions()) {
                    return i;
                }
                first = Math.min(first, top.rank(q, i));
            }
        }
        return top.ranksArePositions() ? n : first;
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
