package dev.quarry.bench.peers;

import io.github.jbellis.jvector.vector.VectorUtil;
import io.github.jbellis.jvector.vector.types.VectorFloat;

/**
 * JVector's SIMD dot product ({@link VectorUtil#dotProduct(VectorFloat, VectorFloat)}, the kernel behind
 * its {@code VectorSimilarityFunction.DOT_PRODUCT}) on its own vector types, brute force. The raw dot
 * product rather than {@code DOT_PRODUCT.compare}, which maps it to {@code (1 + dot) / 2}: the same
 * ranking, but the rescaling in float merges nearby scores into ties, which would blur the id-for-id
 * comparison with the other exact contenders.
 */
public final class JVectorBruteContender extends BruteForceContender {
    private VectorFloat<?>[] rows;
    private VectorFloat<?>[] queries;

    @Override
    public String simd() {
        return JVectorVectors.provider();
    }

    @Override
    protected void load(PeerData data) {
        rows = JVectorVectors.of(data.corpusOnHeap()).toArray(VectorFloat<?>[]::new);
        queries = JVectorVectors.of(data.queriesOnHeap()).toArray(VectorFloat<?>[]::new);
    }

    @Override
    protected void scan(int q, TopKHeap heap) {
        VectorFloat<?> query = queries[q];
        VectorFloat<?>[] corpus = rows;
        for (int r = 0; r < corpus.length; r++) {
            heap.offer(r, VectorUtil.dotProduct(query, corpus[r]));
        }
    }
}
