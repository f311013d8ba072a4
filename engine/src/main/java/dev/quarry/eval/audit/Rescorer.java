package dev.quarry.eval.audit;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.labels.IdMap;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.LaneDot;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Fills in the scores and ranks a mined file does not carry, from the embeddings it was mined from (for values
 * that are ids: a set of texts is named by ids first, through its text files). Scores use the mining kernels'
 * arithmetic; a rank is 0-based among corpus rows other than the anchor's positives (and the anchor itself
 * when anchors are corpus rows), found by exact
 * search up to {@code rankDepth} (deeper negatives get rank {@code rankDepth}).
 */
public final class Rescorer {
    private static final int BLOCK = 256;

    private final VectorStore corpus;
    private final VectorStore queries;
    private final IdMap docIds;
    private final IdMap queryIds;
    private final int rankDepth;
    private final VectorKernels kernels;
    private final int threads;
    private long unmatched;
    private String firstUnmatched;

    /** @param threads threads of each exact search (the corpus is split between them) */
    public Rescorer(VectorStore corpus, VectorStore queries, IdMap docIds, IdMap queryIds, int rankDepth,
                    VectorKernels kernels, int threads) {
        this.corpus = corpus;
        this.queries = queries;
        this.docIds = docIds;
        this.queryIds = queryIds;
        this.rankDepth = Math.min(rankDepth, (int) corpus.count());
        this.kernels = kernels;
        this.threads = threads;
    }

    /** The anchors with missing scores and ranks computed; anchors or values naming no row are left as they are. */
    public List<AuditedAnchor> fill(List<AuditedAnchor> anchors) {
        unmatched = 0;
        firstUnmatched = null;
        List<AuditedAnchor> out = new ArrayList<>(anchors.size());
        FlatIndex index = new FlatIndex(corpus, kernels);
        for (int from = 0; from < anchors.size(); from += BLOCK) {
            List<AuditedAnchor> part = anchors.subList(from, Math.min(anchors.size(), from + BLOCK));
            QueryBlock block = new QueryBlock(part.size(), corpus.dim());
            int[] rows = new int[part.size()];
            int[][] exclusions = new int[part.size()][];
            for (int i = 0; i < part.size(); i++) {
                rows[i] = queryIds.ordinal(part.get(i).anchor());
                block.add(rows[i] >= 0 ? queries.segment() : corpus.segment(),
                        rows[i] >= 0 ? queries.rowOffset(rows[i]) : corpus.rowOffset(0));
                exclusions[i] = ordinals(part.get(i).positives(), queries == corpus ? rows[i] : -1);
            }
            TopK top = index.search(block, rankDepth, Exclusions.ofSorted(exclusions), SearchParams.defaults()
                    .withThreads(threads));
            for (int i = 0; i < part.size(); i++) {
                if (rows[i] < 0) {
                    unmatched++;
                    firstUnmatched = firstUnmatched == null ? part.get(i).anchor() : firstUnmatched;
                    out.add(part.get(i));
                } else {
                    out.add(fill(part.get(i), block, i, top));
                }
            }
        }
        return out;
    }

    private AuditedAnchor fill(AuditedAnchor a, QueryBlock block, int q, TopK top) {
        float[] query = new float[corpus.dim()];
        block.copyTo(q, query);
        float[] ps = a.positiveScores().clone();
        int[] prs = a.positiveRanks().clone();
        for (int i = 0; i < ps.length; i++) {
            int doc = docIds.ordinal(a.positives().get(i));
            if (Float.isNaN(ps[i]) && doc >= 0) {
                ps[i] = LaneDot.dot(query, corpus.segment(), corpus.rowOffset(doc), corpus.dim());
            }
            if (prs[i] < 0 && !Float.isNaN(ps[i])) {
                prs[i] = outranking(top, q, ps[i]);
            }
        }
        float[] ns = a.negativeScores().clone();
        int[] rs = a.negativeRanks().clone();
        for (int i = 0; i < ns.length; i++) {
            int doc = docIds.ordinal(a.negatives().get(i));
            if (doc < 0) {
                continue;
            }
            if (Float.isNaN(ns[i])) {
                ns[i] = LaneDot.dot(query, corpus.segment(), corpus.rowOffset(doc), corpus.dim());
            }
            if (rs[i] < 0) {
                rs[i] = rankDepth;
                for (int r = 0; r < top.count(q); r++) {
                    if (top.id(q, r) == doc) {
                        rs[i] = r;
                        break;
                    }
                }
            }
        }
        return new AuditedAnchor(a.anchor(), a.positives(), ps, prs, a.negatives(), ns, rs, a.line());
    }

    /** Anchors of the last {@link #fill} that name no row of the queries (left as they were). */
    public long unmatchedAnchors() {
        return unmatched;
    }

    /** The first of them, or null. */
    public String firstUnmatchedAnchor() {
        return firstUnmatched;
    }

    /** Rows other than positives scoring above {@code score} ({@code rankDepth} when all searched rows do). */
    private int outranking(TopK top, int q, float score) {
        int n = top.count(q);
        int r = 0;
        while (r < n && top.score(q, r) > score) {
            r++;
        }
        return r == n && n >= rankDepth ? rankDepth : r;
    }

    /** The positives' rows and, when anchors are corpus rows, the anchor's own ({@code self} >= 0), sorted. */
    private int[] ordinals(List<String> ids, int self) {
        return IntStream.concat(ids.stream().mapToInt(docIds::ordinal), IntStream.of(self)).filter(o -> o >= 0)
                .sorted().distinct().toArray();
    }
}
