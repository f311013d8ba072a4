package dev.quarry.eval.audit;

import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One anchor of a mined set as read back from a file, whatever its format: values are the texts or
 * ids the file holds; scores and ranks are NaN / -1 when the file does not carry them.
 *
 * @param anchor the anchor's text or id
 * @param positives its positives
 * @param positiveScores their scores (NaN when absent)
 * @param positiveRanks their ranks: corpus rows other than positives that score above them (-1 when unknown;
 *     only computed from embeddings, mined files do not carry them)
 * @param negatives its negatives, in file order, repeats included (a repeat is a finding)
 * @param negativeScores their scores (NaN when absent)
 * @param negativeRanks their ranks (-1 when absent)
 * @param line the file line (or npy row) the anchor starts at, for messages
 */
public record AuditedAnchor(String anchor, List<String> positives, float[] positiveScores, int[] positiveRanks,
                            List<String> negatives,
                            float[] negativeScores, int[] negativeRanks, long line) {

    /** The lowest known positive score, the margins' reference (NaN when none is known). */
    public float positiveReference() {
        float min = Float.NaN;
        for (float s : positiveScores) {
            if (!Float.isNaN(s)) {
                min = Float.isNaN(min) || s < min ? s : min;
            }
        }
        return min;
    }

    /** The same anchor with its anchor and document values mapped (e.g. row numbers to ids). */
    public AuditedAnchor renamed(UnaryOperator<String> anchorName, UnaryOperator<String> docName) {
        return new AuditedAnchor(anchorName.apply(anchor), positives.stream().map(docName).toList(), positiveScores,
                positiveRanks, negatives.stream().map(docName).toList(), negativeScores, negativeRanks, line);
    }

    /** The same anchor with these positives, their scores and ranks unknown. */
    public AuditedAnchor withPositives(List<String> newPositives) {
        float[] scores = new float[newPositives.size()];
        int[] ranks = new int[newPositives.size()];
        Arrays.fill(scores, Float.NaN);
        Arrays.fill(ranks, -1);
        return new AuditedAnchor(anchor, List.copyOf(newPositives), scores, ranks, negatives, negativeScores,
                negativeRanks, line);
    }
}
