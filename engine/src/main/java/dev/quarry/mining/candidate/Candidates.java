package dev.quarry.mining.candidate;

import dev.quarry.index.TopK;
import java.util.Arrays;

/**
 * The candidates of one anchor as the filters narrow them: ordinals, scores and ranks, in the source's
 * order (rank order, or a fused order across models), compacted in place. Reused from anchor to
 * anchor (no allocation per anchor). Not thread-safe.
 */
public final class Candidates {
    private final int[] ids;
    private final float[] scores;
    private final int[] ranks;
    private int size;

    /** Room for {@code capacity} candidates. */
    public Candidates(int capacity) {
        ids = new int[capacity];
        scores = new float[capacity];
        ranks = new int[capacity];
    }

    /** Loads the results of query {@code q}, in their order, with their ranks. */
    public void load(TopK top, int q) {
        size = top.count(q);
        for (int i = 0; i < size; i++) {
            ids[i] = top.id(q, i);
            scores[i] = top.score(q, i);
            ranks[i] = top.rank(q, i);
        }
    }

    /** Loads the results of query {@code q} at positions {@code [from, to)} (those it has), with their ranks. */
    public void load(TopK top, int q, int from, int to) {
        int end = Math.min(to, top.count(q));
        size = Math.max(0, end - from);
        for (int i = 0; i < size; i++) {
            ids[i] = top.id(q, from + i);
            scores[i] = top.score(q, from + i);
            ranks[i] = top.rank(q, from + i);
        }
    }

    /** Loads candidates directly (tests, other strategies), in their order. */
    public void load(int[] ordinals, float[] candidateScores, int[] candidateRanks, int n) {
        System.arraycopy(ordinals, 0, ids, 0, n);
        System.arraycopy(candidateScores, 0, scores, 0, n);
        System.arraycopy(candidateRanks, 0, ranks, 0, n);
        size = n;
    }

    /** Appends {@code other}'s candidates after these, in their order (room for both is the caller's care). */
    public void append(Candidates other) {
        System.arraycopy(other.ids, 0, ids, size, other.size);
        System.arraycopy(other.scores, 0, scores, size, other.size);
        System.arraycopy(other.ranks, 0, ranks, size, other.size);
        size += other.size;
    }

    /** Candidates left. */
    public int size() {
        return size;
    }

    public int id(int i) {
        return ids[i];
    }

    public float score(int i) {
        return scores[i];
    }

    public int rank(int i) {
        return ranks[i];
    }

    /** A test on one candidate. */
    @FunctionalInterface
    public interface Test {
        boolean keep(int id, float score, int rank);
    }

    /** Keeps the candidates that pass, in order. */
    public void retain(Test test) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (test.keep(ids[i], scores[i], ranks[i])) {
                ids[kept] = ids[i];
                scores[kept] = scores[i];
                ranks[kept] = ranks[i];
                kept++;
            }
        }
        size = kept;
    }

    /**
     * Keeps the candidates that pass, in order, testing only until {@code limit} have passed (the rest
     * are dropped untested): for a filter whose survivors beyond the first {@code limit} nobody uses.
     */
    public void retainFirst(int limit, Test test) {
        int kept = 0;
        for (int i = 0; i < size && kept < limit; i++) {
            if (test.keep(ids[i], scores[i], ranks[i])) {
                ids[kept] = ids[i];
                scores[kept] = scores[i];
                ranks[kept] = ranks[i];
                kept++;
            }
        }
        size = kept;
    }

    /** Keeps the first {@code n} candidates (all when fewer). */
    public void truncate(int n) {
        size = Math.min(size, n);
    }

    /** Keeps only the candidates at the given positions (ascending). */
    public void keepPositions(int[] positions, int n) {
        for (int j = 0; j < n; j++) {
            int i = positions[j];
            ids[j] = ids[i];
            scores[j] = scores[i];
            ranks[j] = ranks[i];
        }
        size = n;
    }

    /** Copies the first {@code n} ordinals. */
    public int[] ids(int n) {
        return Arrays.copyOf(ids, n);
    }

    /** Copies the first {@code n} scores. */
    public float[] scores(int n) {
        return Arrays.copyOf(scores, n);
    }

    /** Copies the first {@code n} ranks. */
    public int[] ranks(int n) {
        return Arrays.copyOf(ranks, n);
    }
}
