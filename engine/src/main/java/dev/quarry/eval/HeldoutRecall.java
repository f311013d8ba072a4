package dev.quarry.eval;

import dev.quarry.index.SearchParams;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;

/**
 * What a trainer watches on a clean held-out set: recall@10, recall@100 and nDCG@10 of exact search over
 * the corpus, for the held-out queries as stored or passed through a model ({@code quarry tune}'s adapter).
 * Exact, so the figure measures the embeddings, not an index's approximation; memory is a block of queries.
 *
 * @param recallAt10 mean recall@10
 * @param recallAt100 mean recall@100
 * @param ndcgAt10 mean nDCG@10
 * @param queries held-out queries evaluated
 */
public record HeldoutRecall(double recallAt10, double recallAt100, double ndcgAt10, long queries) {
    private static final int[] KS = {10, 100};

    /**
     * Measures {@code heldout} against every row of {@code corpus}, each query through {@code transform}
     * first (null: as stored), on {@code threads} threads.
     */
    public static HeldoutRecall measure(VectorStore corpus, HeldoutQueries heldout, Evaluator.QueryTransform transform,
                                        VectorKernels kernels, int threads) {
        EvalResult r = Evaluator.evaluate("held-out", new FlatIndex(corpus, kernels), heldout, transform, KS,
                SearchParams.defaults().withThreads(threads));
        return new HeldoutRecall(r.recall()[0], r.recall()[1], r.ndcg()[0], r.queries());
    }
}
