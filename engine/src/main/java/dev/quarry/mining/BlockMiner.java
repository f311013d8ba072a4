package dev.quarry.mining;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.VectorIndex;
import dev.quarry.mining.filter.Candidates;
import dev.quarry.mining.filter.FilterChain;
import dev.quarry.mining.sample.NegativeSampler;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Mines one block of anchors: one batched index search for the whole block (the candidates of ranks
 * {@code [0, rangeMax)} after exclusions), then per anchor the positive scores, the filters and the
 * sampler. Every result is a function of the anchor and the configuration only, so blocks can be
 * mined in any order on any thread. One instance per thread (it reuses its buffers).
 */
public final class BlockMiner {
    private final VectorIndex index;
    private final VectorStore corpus;
    private final MiningConfig config;
    private final SearchParams params;
    private final FilterChain filters;
    private final NegativeSampler sampler;
    private final Candidates candidates;
    private final float[] query;

    /**
     * @param index the index over {@code corpus}
     * @param corpus the corpus store (positives are scored against its rows)
     * @param params search options; the pipeline passes one thread per call
     */
    public BlockMiner(VectorIndex index, VectorStore corpus, VectorKernels kernels, MiningConfig config,
                      SearchParams params) {
        if (config.rangeMax() > index.size()) {
            throw new IllegalArgumentException("--range-max=" + config.rangeMax() + ", expected at most the corpus size "
                    + index.size());
        }
        this.index = index;
        this.corpus = corpus;
        this.config = config;
        this.params = params;
        this.filters = FilterChain.of(config);
        this.sampler = NegativeSampler.of(config);
        this.candidates = new Candidates(config.rangeMax());
        this.query = new float[corpus.dim()];
    }

    /**
     * Mines the anchors of a block.
     *
     * @param queries the anchors' vectors, in the order of {@code anchors}
     * @param anchors the anchors' ordinals (seed the sampler, name the output rows)
     * @param positives per anchor, its labelled positives (sorted corpus ordinals)
     * @param exclusions per anchor, every ordinal that must not be a negative (positives included)
     */
    public MinedAnchor[] mine(QueryBlock queries, int[] anchors, int[][] positives, int[][] exclusions) {
        int n = queries.count();
        TopK top = index.search(queries, config.rangeMax(), Exclusions.ofSorted(exclusions), params);
        MinedAnchor[] mined = new MinedAnchor[n];
        for (int q = 0; q < n; q++) {
            queries.copyTo(q, query);
            int[] pos = positives[q];
            float[] posScores = new float[pos.length];
            for (int i = 0; i < pos.length; i++) {
                posScores[i] = chainDot(query, corpus.segment(), corpus.rowOffset(pos[i]), corpus.dim());
            }
            float reference = MinedAnchor.reference(posScores);
            candidates.load(top, q);
            Shortfall shortfall = filters.apply(candidates, reference);
            sampler.sample(candidates, config.numNegatives(), anchors[q]);
            int found = candidates.size();
            mined[q] = new MinedAnchor(anchors[q], pos.clone(), posScores, candidates.ids(found),
                    candidates.scores(found), candidates.ranks(found), shortfall);
        }
        return mined;
    }

    /**
     * The inner product as every lane of the block kernels computes it: one fused multiply-add per
     * component, in component order. A positive's score then has the same bits as a candidate's,
     * so a near-duplicate of the positive compares with it exactly under the margins.
     */
    static float chainDot(float[] query, MemorySegment rows, long offset, int dim) {
        float sum = 0f;
        for (int k = 0; k < dim; k++) {
            sum = Math.fma(rows.get(ValueLayout.JAVA_FLOAT_UNALIGNED, offset + 4L * k), query[k], sum);
        }
        return sum;
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
