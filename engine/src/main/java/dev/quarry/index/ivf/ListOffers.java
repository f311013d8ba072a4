package dev.quarry.index.ivf;

import dev.quarry.vector.VectorKernels;

/**
 * Picks which of one query's scores of a whole list join its candidates ({@link ListTopK}), so that the
 * k best are kept as if every score had been offered, with far fewer candidates merged. A query's first
 * list meets no candidates yet, so no k-th best rules any score out. Here a cut is estimated first from a strided sample of the scores (a rank in the sample a
 * little above where the k-th best should fall, so the cut is rarely too high), only scores at or above it
 * join, and if the query then holds fewer than k or its k-th best is below the cut, the scores between its
 * k-th best and the cut join too. Every score at or above the final k-th best joins, so the candidates
 * end as they would have (their order is total). One per thread; reuses its buffers.
 */
final class ListOffers {
    /** Scores sampled for the cut. */
    private static final int SAMPLE = 128;

    private final VectorKernels kernels;
    private int[] rows = new int[0];
    private float[] picked = new float[0];
    private int[] pickedIds = new int[0];
    private final float[] sample = new float[2 * SAMPLE + 2];
    private final KthLargest kth;
    private final ListTopK.Scratch scratch;

    ListOffers(VectorKernels kernels) {
        this.kernels = kernels;
        this.kth = new KthLargest(kernels);
        this.scratch = new ListTopK.Scratch(kernels);
    }

    /** This thread's working space for {@link ListTopK}. */
    ListTopK.Scratch scratch() {
        return scratch;
    }

    /**
     * Offers {@code scores[from, from + n)} of query {@code q}: score r is corpus row
     * {@code ordinals[first + r]}.
     */
    void offer(ListTopK candidates, int q, float[] scores, int from, int n, int[] ordinals, int first) {
        if (rows.length < n) {
            int size = Math.max(n, 2 * rows.length);
            rows = new int[size];
            picked = new float[size];
            pickedIds = new int[size];
        }
        float threshold = candidates.threshold(q);
        int room = candidates.k() - candidates.size(q);
        float cut = room > 0 && n >= 3 * room ? estimate(scores, from, n, room, threshold) : threshold;
        offerAtLeast(candidates, q, scores, from, n, ordinals, first, cut, Float.POSITIVE_INFINITY);
        float now = candidates.threshold(q);
        if (now < cut) {
            // Fewer than k at or above the cut: the scores between the k-th best held and the cut count too.
            offerAtLeast(candidates, q, scores, from, n, ordinals, first, now, cut);
        }
    }

    /** Merges the scores in {@code [low, below)}, less the excluded rows. */
    private void offerAtLeast(ListTopK candidates, int q, float[] scores, int from, int n, int[] ordinals,
                              int first, float low, float below) {
        int m = kernels.indicesAtLeast(scores, from, n, low, rows);
        int kept = 0;
        for (int i = 0; i < m; i++) {
            int r = rows[i];
            float score = scores[from + r];
            int ordinal = ordinals[first + r];
            if (score < below && !candidates.excludes(q, ordinal)) {
                picked[kept] = score;
                pickedIds[kept++] = ordinal;
            }
        }
        candidates.merge(q, picked, pickedIds, kept, scratch);
    }

    /**
     * A cut at or below which about {@code room} of the {@code n} scores lie, from every
     * {@code n / SAMPLE}-th score: the rank in the sample where {@code room} of n would fall, plus two
     * standard deviations and two, so that fewer than {@code room} scores reach it only rarely. Never
     * below {@code floor}; {@code floor} when the sample cannot tell.
     */
    private float estimate(float[] scores, int from, int n, int room, float floor) {
        int step = Math.max(1, n / SAMPLE);
        int size = 0;
        for (int r = 0; r < n && size < sample.length; r += step) {
            float s = scores[from + r];
            if (s == s) { // NaN scores are never kept, so never a cut
                sample[size++] = s;
            }
        }
        double expected = (double) room * size / n;
        int rank = (int) Math.ceil(expected + 2 * Math.sqrt(expected)) + 2;
        if (rank >= size) {
            return floor;
        }
        float cut = kth.of(sample, size, rank - 1);
        return Math.max(cut, floor);
    }
}
