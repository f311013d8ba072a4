package dev.quarry.index;

import java.util.Objects;

/**
 * The k best corpus rows for each query of a block, in the deterministic order of every Quarry
 * index: score descending, then ordinal ascending. (Candidate sources that fuse several lists use it
 * with their own order and explicit ranks.) A query with fewer than k results (a small
 * corpus, many exclusions) has {@link #count(int)} below k; the unused slots hold id -1 and NaN.
 */
public final class TopK {
    private final int queries;
    private final int k;
    private final int[] ids;
    private final float[] scores;
    private final int[] counts;
    private final int[] ranks;
    /** Position of query 0 in the arrays: a slice of a larger result shares its arrays. */
    private final int first;

    /** Wraps result arrays laid out {@code [query * k + position]}; result i has rank i. */
    public TopK(int queries, int k, int[] ids, float[] scores, int[] counts) {
        this(queries, k, ids, scores, counts, null);
    }

    /**
     * As above, with explicit ranks per result (a fused list from several models keeps each
     * candidate's best rank among them), or null for rank = position.
     */
    public TopK(int queries, int k, int[] ids, float[] scores, int[] counts, int[] ranks) {
        this(queries, k, ids, scores, counts, ranks, 0);
    }

    private TopK(int queries, int k, int[] ids, float[] scores, int[] counts, int[] ranks, int first) {
        long end = (long) (first + queries) * k;
        if (ids.length < end || scores.length < end || counts.length < first + queries) {
            throw new IllegalArgumentException("arrays too short for " + queries + " queries x k=" + k);
        }
        this.queries = queries;
        this.k = k;
        this.ids = ids;
        this.scores = scores;
        this.counts = counts;
        this.ranks = ranks;
        this.first = first;
    }

    /**
     * The results of queries {@code [from, to)} as a result of their own (query {@code from} becomes
     * query 0), sharing this result's arrays: a large search cut into the blocks its callers mine.
     */
    public TopK slice(int from, int to) {
        Objects.checkFromToIndex(from, to, queries);
        return new TopK(to - from, k, ids, scores, counts, ranks, first + from);
    }

    /** Queries in the block. */
    public int queries() {
        return queries;
    }

    /** Results asked per query. */
    public int k() {
        return k;
    }

    /** Results found for query {@code q} (at most k). */
    public int count(int q) {
        return counts[first + Objects.checkIndex(q, queries)];
    }

    /** Ordinal of the result at {@code rank} for query {@code q}. */
    public int id(int q, int rank) {
        Objects.checkIndex(rank, count(q));
        return ids[(first + q) * k + rank];
    }

    /** Score of the result at {@code rank} for query {@code q}. */
    public float score(int q, int rank) {
        Objects.checkIndex(rank, count(q));
        return scores[(first + q) * k + rank];
    }

    /** Whether every result's rank is its position (no explicit ranks). */
    public boolean ranksArePositions() {
        return ranks == null;
    }

    /** The rank of the result at position {@code i} for query {@code q} (i itself unless explicit). */
    public int rank(int q, int i) {
        Objects.checkIndex(i, count(q));
        return ranks == null ? i : ranks[(first + q) * k + i];
    }
}
