package dev.quarry.index;

import dev.quarry.vector.QueryBlock;

/**
 * A batch-first nearest-neighbour index over the rows of a corpus store: a block of queries in, the
 * k highest-scoring rows per query out ({@link TopK}, score descending then ordinal ascending), with
 * per-query exclusions applied before ranking, so rank r is the r-th best row that is allowed.
 * Single-query search is a block of one.
 *
 * <p>Implementations are thread-safe for concurrent searches. {@link SearchParams#threads()} bounds
 * the threads one call may use; the mining pipeline passes 1 because it runs one search per worker.
 */
public interface VectorIndex extends AutoCloseable {

    /** Dimension of the indexed rows. */
    int dim();

    /** Number of indexed rows. */
    long size();

    /** A short description for logs and summaries, e.g. {@code flat} or {@code ivf nlist=4096}. */
    String describe();

    /**
     * The {@code k} best rows for every query of the block.
     *
     * @param exclusions ordinals that must not be returned, per query of the block
     */
    TopK search(QueryBlock queries, int k, Exclusions exclusions, SearchParams params);

    /**
     * Brings what a search reads into memory now (the mapped file's pages read and mapped into this
     * process), so that no search pays a page fault: for a trainer whose calls' tail matters. The
     * default reads nothing.
     */
    default void preload() {
    }

    /** Releases what the index holds (mapped files); the default holds nothing. */
    @Override
    default void close() {
    }
}
