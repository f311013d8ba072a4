package dev.quarry.vector;

/**
 * Receives the scores of {@link VectorKernels#scoreBlockTopK} that reach their query's threshold.
 * Called on the kernel's thread, rarely once thresholds have risen; an implementation typically
 * pushes the candidate into the query's top-k heap and raises {@code thresholds[query]}.
 */
@FunctionalInterface
public interface CandidateSink {
    /**
     * @param query index of the query in its {@link QueryBlock}
     * @param row index of the row in the block of rows scored by this call
     * @param score the inner product, at least the query's threshold
     */
    void offer(int query, int row, float score);
}
