package dev.quarry.mining.strategy;

import dev.quarry.index.TopK;
import dev.quarry.labels.Qrels;
import dev.quarry.mining.candidate.AnchorBlock;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.LaneDot;
import java.util.Arrays;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.IntHashSet;

/**
 * In-batch negatives: an anchor's candidates are the positives of the other anchors of its training
 * batch (what a contrastive loss with in-batch negatives will actually contrast it with), ranked by
 * score, minus its own positives and known positives. The filters then drop the ones that are in
 * truth positives of this anchor too. The batches are fixed beforehand ({@link BatchBuilder}).
 */
public final class InBatchSource implements CandidateSource {
    private final VectorStore corpus;
    private final Qrels positives;
    private final int[] order;
    private final int batchSize;
    private final Int2IntHashMap position = new Int2IntHashMap(-1);
    private final float[] query;

    /**
     * @param order the anchors in batch order (batch b is {@code order[b * batchSize .. (b + 1) * batchSize)})
     */
    public InBatchSource(VectorStore corpus, Qrels positives, int[] order, int batchSize) {
        this.corpus = corpus;
        this.positives = positives;
        this.order = order;
        this.batchSize = batchSize;
        for (int i = 0; i < order.length; i++) {
            position.put(order[i], i);
        }
        this.query = new float[corpus.dim()];
    }

    @Override
    public TopK candidates(AnchorBlock block, int depth) {
        int n = block.size();
        CandidateLists lists = new CandidateLists(n, depth);
        IntHashSet seen = new IntHashSet();
        for (int q = 0; q < n; q++) {
            int anchor = block.anchors()[q];
            int at = position.get(anchor);
            if (at < 0) {
                continue;
            }
            block.queries().copyTo(q, query);
            int from = at / batchSize * batchSize;
            int to = Math.min(order.length, from + batchSize);
            int[] excluded = block.exclusions()[q];
            seen.clear();
            int c = 0;
            int[] cand = new int[0];
            float[] candScores = new float[0];
            for (int i = from; i < to; i++) {
                if (order[i] == anchor) {
                    continue;
                }
                for (int doc : positives.docs(order[i])) {
                    if ((excluded != null && Arrays.binarySearch(excluded, doc) >= 0) || !seen.add(doc)) {
                        continue;
                    }
                    if (c == cand.length) {
                        cand = Arrays.copyOf(cand, Math.max(8, 2 * c));
                        candScores = Arrays.copyOf(candScores, cand.length);
                    }
                    cand[c] = doc;
                    candScores[c] = LaneDot.dot(query, corpus.segment(), corpus.rowOffset(doc), corpus.dim());
                    c++;
                }
            }
            Integer[] idx = new Integer[c];
            for (int i = 0; i < c; i++) {
                idx[i] = i;
            }
            int[] fc = cand;
            float[] fs = candScores;
            Arrays.sort(idx, (x, y) -> {
                int cmp = Float.compare(fs[y], fs[x]);
                return cmp != 0 ? cmp : Integer.compare(fc[x], fc[y]);
            });
            for (int i = 0; i < c && lists.hasRoom(q); i++) {
                lists.add(q, cand[idx[i]], candScores[idx[i]], 0);
            }
        }
        return lists.toTopK(false);
    }

    @Override
    public float[] positiveScores(AnchorBlock block, int i) {
        return PositiveScores.of(block.queries(), i, block.positives()[i], corpus, query);
    }

    @Override
    public String describe() {
        return "in-batch (batches of " + batchSize + ")";
    }
}
