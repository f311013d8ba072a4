package dev.quarry.eval;

import java.util.Arrays;

/**
 * Recall@K, MRR@K and nDCG@K of one ranked list against binary relevance (a qrels label > 0 is
 * relevant, as everywhere in Quarry):
 * <ul>
 *   <li>recall@K = |relevant in the top K| / |relevant|;</li>
 *   <li>MRR@K = 1 / (1-based rank of the first relevant in the top K), 0 when none;</li>
 *   <li>nDCG@K = DCG@K / IDCG@K with DCG = sum over relevant results at 0-based rank i of
 *   1 / log2(i + 2), IDCG the DCG of a list starting with all relevant documents.</li>
 * </ul>
 */
public final class RetrievalMetrics {
    private RetrievalMetrics() {
    }

    /** The three metrics of {@code ranked[0..count)} at {@code k}: {recall, mrr, ndcg}. */
    public static double[] at(int[] ranked, int count, int[] relevantSorted, int k) {
        if (relevantSorted.length == 0) {
            throw new IllegalArgumentException("a query without relevant documents has no recall");
        }
        int depth = Math.min(k, count);
        int hits = 0;
        double rr = 0;
        double dcg = 0;
        for (int i = 0; i < depth; i++) {
            if (Arrays.binarySearch(relevantSorted, ranked[i]) >= 0) {
                hits++;
                if (rr == 0) {
                    rr = 1.0 / (i + 1);
                }
                dcg += 1 / log2(i + 2);
            }
        }
        double idcg = 0;
        for (int i = 0; i < Math.min(k, relevantSorted.length); i++) {
            idcg += 1 / log2(i + 2);
        }
        return new double[] {(double) hits / relevantSorted.length, rr, dcg / idcg};
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
