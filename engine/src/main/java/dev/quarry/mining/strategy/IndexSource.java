package dev.quarry.mining.strategy;

import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.ListShare;
import dev.quarry.vector.QueryBlock;
import dev.quarry.mining.candidate.AnchorBlock;
import dev.quarry.store.VectorStore;

/**
 * Index (ANN) mining: the anchors' nearest corpus rows by inner product, from a flat or IVF index in
 * one batched search per block. Positives are scored against the corpus with the block kernels'
 * arithmetic, so a candidate and a positive with equal vectors get equal scores.
 */
public final class IndexSource implements CandidateSource {
    private final VectorIndex index;
    private final VectorStore corpus;
    private final SearchParams params;
    private final float[] query;
    private ListShare share;

    /** @param params search options; the pipeline passes one thread per search */
    public IndexSource(VectorIndex index, VectorStore corpus, SearchParams params) {
        this(index, corpus, params, null);
    }

    /**
     * As above, one of the sources of a call whose blocks are searched side by side, one per thread: the first
     * search of an IVF index shares its lists with theirs through {@code share} ({@link IvfIndex#search(QueryBlock,
     * int, Exclusions, SearchParams, ListShare)}), so the threads end their list stages together.
     */
    public IndexSource(VectorIndex index, VectorStore corpus, SearchParams params, ListShare share) {
        this.index = index;
        this.corpus = corpus;
        this.params = params;
        this.query = new float[corpus.dim()];
        this.share = share;
    }

    @Override
    public TopK candidates(AnchorBlock block, int depth) {
        if (depth > index.size()) {
            throw new OptionError(MineSettings.RANGE_MAX, depth, "at most the corpus size " + index.size());
        }
        Exclusions exclusions = Exclusions.ofSorted(block.exclusions());
        if (share != null && index instanceof IvfIndex ivf) {
            // Only the block's first search runs beside the other threads' first searches; a later one (a widened
            // window, a next block) runs alone.
            ListShare shared = share;
            share = null;
            return ivf.search(block.queries(), depth, exclusions, params, shared);
        }
        return index.search(block.queries(), depth, exclusions, params);
    }

    @Override
    public float[] positiveScores(AnchorBlock block, int i) {
        return PositiveScores.of(block.queries(), i, block.positives()[i], corpus, query);
    }

    @Override
    public float[][] positiveScores(AnchorBlock block) {
        return PositiveScores.of(block.queries(), block.positives(), corpus);
    }

    @Override
    public boolean searchesEachAnchorAlone() {
        return true;
    }

    @Override
    public String describe() {
        return index.describe();
    }
}
