package dev.quarry.mining.strategy;

import dev.quarry.index.TopK;
import dev.quarry.mining.candidate.AnchorBlock;
import java.util.function.IntPredicate;

/**
 * Where the candidates of a block of anchors come from: nearest neighbours in an index, the other
 * anchors' positives in a training batch, the predictions of a run file, several models at once.
 * Candidates come ranked (0-based ranks among the rows left after the block's exclusions) with the
 * scores the filters compare; the filters and samplers that follow are the same for every source.
 * One instance per thread.
 */
public interface CandidateSource {
    /** The best {@code depth} candidates of each anchor of the block, exclusions applied. */
    TopK candidates(AnchorBlock block, int depth);

    /**
     * The scores of anchor {@code i}'s positives on the scale of its candidates: NaN for a broken
     * vector, {@code +Inf} when the source cannot tell (then the margins do not constrain).
     */
    float[] positiveScores(AnchorBlock block, int i);

    /**
     * {@link #positiveScores(AnchorBlock, int)} of every anchor of the block, at once: a source that scores
     * many pairs together (independent chains side by side instead of one latency-bound chain per pair) says
     * so here; the default asks anchor by anchor.
     */
    default float[][] positiveScores(AnchorBlock block) {
        float[][] scores = new float[block.size()][];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = positiveScores(block, i);
        }
        return scores;
    }

    /**
     * Which of anchor {@code i}'s candidates are near-duplicates of its positives, when the source judged
     * them itself (a sharded search judges each candidate where its row is, with
     * {@link dev.quarry.mining.filter.NearDuplicateTest}); null (the default): the filter reads the rows.
     */
    default IntPredicate nearDuplicates(AnchorBlock block, int i) {
        return null;
    }

    /**
     * Whether an anchor's candidates depend on the anchor alone, not on the other anchors of its block (an
     * index search; not a training batch): then a block's short anchors can be searched deeper on their own.
     */
    default boolean searchesEachAnchorAlone() {
        return false;
    }

    /** A short description for the summary, e.g. {@code flat} or {@code run file run.trec}. */
    String describe();
}
