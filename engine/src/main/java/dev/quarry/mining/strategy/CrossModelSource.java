package dev.quarry.mining.strategy;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.VectorIndex;
import dev.quarry.mining.candidate.AnchorBlock;
import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.LaneDot;
import dev.quarry.vector.QueryBlock;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.agrona.collections.Int2IntHashMap;

/**
 * Cross-model agreement: the same corpus embedded by several models (same rows, same order). Each
 * model ranks the block's anchors; a candidate is kept only when at least {@code minAgree} models
 * place it in the rank window {@code [rangeMin, rangeMax)}, and it is dropped when any model scores
 * it above that model's score of the positive (a likely false negative one model can see). The kept
 * candidates are ordered by the primary model's score or by reciprocal-rank fusion; each keeps the
 * best rank any agreeing model gave it, and the primary model's score.
 */
public final class CrossModelSource implements CandidateSource {
    private static final int RRF_K = 60;

    /** One model: its index over its corpus embedding, and its query embedding (the corpus itself for corpus anchors). */
    public record Model(VectorIndex index, VectorStore corpus, VectorStore queries) {
    }

    private final List<Model> models;
    private final int minAgree;
    private final int rangeMin;
    private final int rangeMax;
    private final Fusion fusion;
    private final SearchParams params;
    private final float[] query;

    /**
     * @param rangeMin the first rank at which a model's placement counts as agreeing
     * @param rangeMax the rank after the last one searched: agreement is defined on the rank window, so a
     *                 deeper request (a widened window) gets no more than the window's candidates
     */
    public CrossModelSource(List<Model> models, int minAgree, int rangeMin, int rangeMax, Fusion fusion,
                            SearchParams params) {
        if (models.size() < 2) {
            throw new IllegalArgumentException("cross-model mining needs at least 2 models, got " + models.size());
        }
        if (minAgree < 1 || minAgree > models.size()) {
            throw new CommandSettingError(CommandSetting.AGREEMENT, minAgree, "1 <= m <= " + models.size()
                    + " (the number of models)");
        }
        this.models = List.copyOf(models);
        this.minAgree = minAgree;
        this.rangeMin = rangeMin;
        this.rangeMax = rangeMax;
        this.fusion = fusion;
        this.params = params;
        int maxDim = models.stream().mapToInt(m -> m.corpus().dim()).max().orElse(1);
        this.query = new float[maxDim];
    }

    @Override
    public TopK candidates(AnchorBlock block, int asked) {
        int depth = Math.min(asked, rangeMax);
        int n = block.size();
        int k = models.size();
        TopK[] tops = new TopK[k];
        Exclusions exclusions = Exclusions.ofSorted(block.exclusions());
        for (int m = 0; m < k; m++) {
            QueryBlock queries = m == 0 ? block.queries() : queriesOf(models.get(m), block.anchors());
            tops[m] = models.get(m).index().search(queries, depth, exclusions, params);
        }
        CandidateLists lists = new CandidateLists(n, depth);
        for (int q = 0; q < n; q++) {
            fuse(block, q, tops, depth, lists);
        }
        return lists.toTopK(true);
    }

    private void fuse(AnchorBlock block, int q, TopK[] tops, int depth, CandidateLists lists) {
        int k = models.size();
        // rank of each candidate in each model's list (-1: not listed)
        Int2IntHashMap slot = new Int2IntHashMap(-1);
        int[] cand = new int[k * depth];
        int[][] rankIn = new int[k][k * depth];
        int distinct = 0;
        for (int m = 0; m < k; m++) {
            for (int i = 0; i < tops[m].count(q); i++) {
                int id = tops[m].id(q, i);
                int s = slot.get(id);
                if (s < 0) {
                    s = distinct++;
                    slot.put(id, s);
                    cand[s] = id;
                    for (int[] r : rankIn) {
                        r[s] = -1;
                    }
                }
                rankIn[m][s] = i;
            }
        }
        float[] positiveRef = new float[k];
        float[][] anchorVectors = new float[k][];
        for (int m = 0; m < k; m++) {
            anchorVectors[m] = anchorVector(block, q, m);
            positiveRef[m] = reference(models.get(m).corpus(), anchorVectors[m], block.positives()[q]);
        }
        int kept = 0;
        long[] order = new long[distinct];
        float[] keptScore = new float[distinct];
        int[] keptRank = new int[distinct];
        double[] keptRrf = new double[distinct];
        int[] keptId = new int[distinct];
        for (int s = 0; s < distinct; s++) {
            int agree = 0;
            int best = Integer.MAX_VALUE;
            double rrf = 0;
            for (int m = 0; m < k; m++) {
                int r = rankIn[m][s];
                if (r >= 0) {
                    rrf += 1.0 / (RRF_K + r + 1);
                    if (r >= rangeMin) {
                        agree++;
                        best = Math.min(best, r);
                    }
                }
            }
            if (agree < minAgree) {
                continue;
            }
            boolean suspicious = false;
            float primary = Float.NaN;
            for (int m = 0; m < k && !suspicious; m++) {
                float score = scoreIn(tops[m], q, rankIn[m][s], models.get(m).corpus(), anchorVectors[m], cand[s]);
                if (m == 0) {
                    primary = score;
                }
                suspicious = score > positiveRef[m];
            }
            if (suspicious) {
                continue; // some model scores it above the positive: likely an unlabelled positive
            }
            keptId[kept] = cand[s];
            keptScore[kept] = primary;
            keptRank[kept] = best;
            keptRrf[kept] = rrf;
            kept++;
        }
        Integer[] idx = new Integer[kept];
        for (int i = 0; i < kept; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> {
            int c = fusion == Fusion.RRF ? Double.compare(keptRrf[b], keptRrf[a]) : Float.compare(keptScore[b],
                    keptScore[a]);
            return c != 0 ? c : Integer.compare(keptId[a], keptId[b]);
        });
        for (int i = 0; i < kept && lists.hasRoom(q); i++) {
            int j = idx[i];
            lists.add(q, keptId[j], keptScore[j], keptRank[j]);
        }
    }

    private float scoreIn(TopK top, int q, int rank, VectorStore corpus, float[] anchor, int doc) {
        return rank >= 0 ? top.score(q, rank)
                : LaneDot.dot(anchor, corpus.segment(), corpus.rowOffset(doc), corpus.dim());
    }

    private float[] anchorVector(AnchorBlock block, int q, int m) {
        Model model = models.get(m);
        float[] v = new float[model.corpus().dim()];
        if (m == 0) {
            block.queries().copyTo(q, v);
        } else {
            model.queries().copyRow(block.anchors()[q], v);
        }
        return v;
    }

    private static float reference(VectorStore corpus, float[] anchor, int[] positives) {
        float[] s = new float[positives.length];
        for (int i = 0; i < positives.length; i++) {
            s[i] = LaneDot.dot(anchor, corpus.segment(), corpus.rowOffset(positives[i]), corpus.dim());
        }
        return AnchorContext.reference(s); // per model: each model's own scale
    }

    private static QueryBlock queriesOf(Model model, int[] anchors) {
        QueryBlock block = new QueryBlock(Math.max(1, anchors.length), model.queries().dim());
        for (int a : anchors) {
            block.add(model.queries().segment(), model.queries().rowOffset(a));
        }
        return block;
    }

    @Override
    public float[] positiveScores(AnchorBlock block, int i) {
        return PositiveScores.of(block.queries(), i, block.positives()[i], models.getFirst().corpus(), query);
    }

    @Override
    public String describe() {
        return models.size() + " models (agreement " + minAgree + ", " + fusion.name().toLowerCase(Locale.ROOT) + " fusion, "
                + models.getFirst().index().describe() + ")";
    }
}
