package dev.quarry.tune;

import dev.quarry.mining.MinedAnchor;
import java.util.Arrays;
import java.util.List;

/**
 * The examples the adapter trains on, compact (one int per row reference): one example per labelled
 * (anchor, positive) pair of the anchors that were mined, each with its anchor's mined negatives, and the
 * anchor's positives (an in-batch positive that is also a positive of this anchor is no negative of it).
 * Anchors left out by their mining policy give no example. Immutable.
 */
public final class TrainingExamples {
    private final int[] query;
    private final int[] positive;
    private final int[] negativeStart;
    private final int[] negatives;
    private final int[] anchorOf;
    private final int[][] anchorPositives;

    private TrainingExamples(int[] query, int[] positive, int[] negativeStart, int[] negatives, int[] anchorOf,
                             int[][] anchorPositives) {
        this.query = query;
        this.positive = positive;
        this.negativeStart = negativeStart;
        this.negatives = negatives;
        this.anchorOf = anchorOf;
        this.anchorPositives = anchorPositives;
    }

    /**
     * Examples of {@code mined} (anchors in training order, their ordinals rows of the query store); with
     * {@code withNegatives} false, the same examples without negatives (in-batch negatives only).
     */
    public static TrainingExamples of(List<MinedAnchor> mined, boolean withNegatives) {
        int examples = 0;
        int negativeCount = 0;
        int kept = 0;
        for (MinedAnchor a : mined) {
            if (!a.leftOut()) {
                kept++;
                examples += a.positives().length;
                negativeCount += withNegatives ? a.positives().length * a.negatives().length : 0;
            }
        }
        int[] query = new int[examples];
        int[] positive = new int[examples];
        int[] start = new int[examples + 1];
        int[] negs = new int[negativeCount];
        int[] anchorOf = new int[examples];
        int[][] positives = new int[kept][];
        int e = 0;
        int n = 0;
        int k = 0;
        for (MinedAnchor a : mined) {
            if (a.leftOut()) {
                continue;
            }
            int[] sorted = a.positives().clone();
            Arrays.sort(sorted);
            positives[k] = sorted;
            for (int p : sorted) {
                query[e] = a.anchor();
                positive[e] = p;
                anchorOf[e] = k;
                start[e] = n;
                if (withNegatives) {
                    System.arraycopy(a.negatives(), 0, negs, n, a.negatives().length);
                    n += a.negatives().length;
                }
                e++;
            }
            k++;
        }
        start[examples] = n;
        return new TrainingExamples(query, positive, start, negs, anchorOf, positives);
    }

    /** Examples of every anchor of {@code anchors} with its labelled positives, without negatives (in-batch only). */
    public static TrainingExamples inBatchOnly(int[] anchors, dev.quarry.labels.Qrels labels) {
        List<MinedAnchor> plain = new java.util.ArrayList<>(anchors.length);
        for (int a : anchors) {
            int[] positives = labels.docs(a);
            plain.add(new MinedAnchor(a, positives, new float[positives.length], new int[0], new float[0], new int[0],
                    dev.quarry.mining.candidate.Shortfall.NONE));
        }
        return of(plain, false);
    }

    /** Examples. */
    public int size() {
        return query.length;
    }

    /** The query store row of example {@code i}'s anchor. */
    public int query(int i) {
        return query[i];
    }

    /** Example {@code i}'s positive (a corpus row). */
    public int positive(int i) {
        return positive[i];
    }

    /** How many mined negatives example {@code i} has. */
    public int negativeCount(int i) {
        return negativeStart[i + 1] - negativeStart[i];
    }

    /** Example {@code i}'s {@code j}-th mined negative (a corpus row). */
    public int negative(int i, int j) {
        return negatives[negativeStart[i] + j];
    }

    /** Whether {@code doc} is a labelled positive of example {@code i}'s anchor. */
    public boolean isPositiveOf(int i, int doc) {
        return Arrays.binarySearch(anchorPositives[anchorOf[i]], doc) >= 0;
    }
}
