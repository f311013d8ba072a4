package dev.quarry.bench.peers;

/**
 * Brute force over {@code float[][]} rows and queries on the heap, the way a user of a
 * {@code dot(float[], float[])} primitive holds vectors; a subclass supplies the primitive. Each
 * process runs one contender, so the call stays monomorphic and the JIT inlines it into the loop.
 */
abstract class HeapRowsContender extends BruteForceContender {
    private float[][] rows;
    private float[][] queries;

    /** The inner product under test. */
    protected abstract float dot(float[] a, float[] b);

    @Override
    protected final void load(PeerData data) {
        rows = data.corpusOnHeap();
        queries = data.queriesOnHeap();
    }

    @Override
    protected final void scan(int q, TopKHeap heap) {
        float[] query = queries[q];
        float[][] corpus = rows;
        for (int r = 0; r < corpus.length; r++) {
            heap.offer(r, dot(query, corpus[r]));
        }
    }
}
