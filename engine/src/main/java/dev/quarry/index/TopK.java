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

    /** Wraps result arrays laid out {@code [query * k + position]}; result i has rank i. */
    public TopK(int queries, int k, int[] ids, float[] scores, int[] counts) {
        this(queries, k, ids, scores, counts, null);
    }

    /**
     * As above, with explicit ranks per result (a fused list from several models keeps each
     * candidate's best rank among them), or null for rank = position.
     */
    public TopK(int queries, int k, int[] ids, float[] scores, int[] counts, int[] ranks) {
        if (ids.length < (long) queries * k || scores.length < (long) queries * k || counts.length < queries) {
            throw new IllegalArgumentException("arrays too short for " + queries + " queries x k=" + k);
        }
        this.queries = queries;
        this.k = k;
        this.ids = ids;
        this.scores = scores;
        this.counts = counts;
        this.ranks = ranks;
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
        return counts[Objects.checkIndex(q, queries)];
    }

    /** Ordinal of the result at {@code rank} for query {@code q}. */
    public int id(int q, int rank) {
        Objects.checkIndex(rank, count(q));
        return ids[q * k + rank];
    }

    /** Score of the result at {@code rank} for query {@code q}. */
    public float score(int q, int rank) {
        Objects.checkIndex(rank, count(q));
        return scores[q * k + rank];
    }

    /** The rank of the result at position {@code i} for query {@code q} (i itself unless explicit). */
    public int rank(int q, int i) {
        Objects.checkIndex(i, count(q));
        return ranks == null ? i : ranks[q * k + i];
    }
}
