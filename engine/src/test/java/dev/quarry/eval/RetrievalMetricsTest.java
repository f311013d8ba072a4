package dev.quarry.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Recall, MRR and nDCG at K against values worked out by hand. */
class RetrievalMetricsTest {
    private static final double EPS = 1e-12;
    // Relevant: 3, 9 and 42 (42 is never retrieved). Ranked: 9 at 0-based rank 2, 3 at rank 3.
    private static final int[] RANKED = {5, 1, 9, 3, 7};
    private static final int[] RELEVANT = {3, 9, 42};
    // IDCG with three relevant documents and K >= 3: 1/log2(2) + 1/log2(3) + 1/log2(4).
    private static final double IDCG3 = 1 + 1 / log2(3) + 0.5;

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    @Test
    void nothingRelevantInTheTopKScoresZero() {
        assertArrayEquals(new double[] {0, 0, 0}, RetrievalMetrics.at(RANKED, 5, RELEVANT, 2), EPS);
    }

    @Test
    void firstHitAtRankThreeGivesAThirdOfRecallAndReciprocalRankAThird() {
        // DCG@3 = 1/log2(2 + 2) = 0.5; IDCG@3 = 2.13093; nDCG = 0.23464
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 0.23463936301137822},
                RetrievalMetrics.at(RANKED, 5, RELEVANT, 3), 1e-15);
    }

    @Test
    void secondHitAddsRecallAndGainButNotReciprocalRank() {
        // DCG@5 = 0.5 + 1/log2(5) = 0.93068; nDCG = 0.43675
        double[] expected = {2.0 / 3, 1.0 / 3, 0.4367467095119258};
        assertArrayEquals(expected, RetrievalMetrics.at(RANKED, 5, RELEVANT, 5), 1e-15);
        // K beyond the list: same figures (the list has ended)
        assertArrayEquals(expected, RetrievalMetrics.at(RANKED, 5, RELEVANT, 100), 1e-15);
    }

    @Test
    void countLimitsTheListLikeAShorterRanking() {
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 0.5 / IDCG3}, RetrievalMetrics.at(RANKED, 3, RELEVANT, 10),
                EPS);
    }

    @Test
    void idealOrderingScoresOne() {
        assertArrayEquals(new double[] {1, 1, 1}, RetrievalMetrics.at(new int[] {42, 3, 9, 8}, 4, RELEVANT, 3), EPS);
        // At K = 1 the ideal DCG counts one relevant document only, so one hit at the top is perfect nDCG
        assertArrayEquals(new double[] {1.0 / 3, 1, 1}, RetrievalMetrics.at(new int[] {9}, 1, RELEVANT, 1), EPS);
    }

    @Test
    void singleRelevantAtSecondRank() {
        assertArrayEquals(new double[] {1, 0.5, 1 / log2(3)}, RetrievalMetrics.at(new int[] {4, 7, 8}, 3,
                new int[] {7}, 10), EPS);
    }

    @Test
    void queryWithoutRelevantDocumentsIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> RetrievalMetrics.at(RANKED, 5, new int[0], 10));
    }
}
