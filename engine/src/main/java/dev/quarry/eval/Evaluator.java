package dev.quarry.eval;

import dev.quarry.QuarryDataException;
import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.VectorIndex;
import dev.quarry.labels.Qrels;
import dev.quarry.labels.RunFile;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Evaluates retrieval on held-out qrels: an index over a store (flat or IVF, searched in blocks), or
 * a run file. Queries without a relevant document that names a row are left out and counted.
 */
public final class Evaluator {
    private static final int BLOCK = 1024;

    private Evaluator() {
    }

    /**
     * Recall, MRR and nDCG at each K of {@code index} searching {@code queries} for every query of
     * {@code heldout}. When the queries are rows of the indexed corpus ({@code queriesAreCorpusRows}), a
     * query's own row is left out of its results, as in mining.
     */
    public static EvalResult evaluate(String label, VectorIndex index, VectorStore queries, boolean queriesAreCorpusRows,
                                      Qrels heldout, Path qrelsFile, int[] ks, SearchParams params) {
        return evaluate(label, index, HeldoutQueries.of(queries, heldout, queriesAreCorpusRows, qrelsFile), null, ks,
                params);
    }

    /** A query as the model being evaluated embeds it: {@code out} from the stored vector {@code in}. */
    @FunctionalInterface
    public interface QueryTransform {
        void apply(float[] in, float[] out);
    }

    /**
     * Recall, MRR and nDCG at each K of {@code index} searching the held-out queries, each passed through
     * {@code transform} first (null: as stored), e.g. a query adapter being trained. Memory is a block of
     * queries and its results, whatever the number of queries.
     */
    public static EvalResult evaluate(String label, VectorIndex index, HeldoutQueries heldout, QueryTransform transform,
                                      int[] ks, SearchParams params) {
        int[] rows = heldout.rows();
        VectorStore queries = heldout.queries();
        int depth = Arrays.stream(ks).max().orElseThrow();
        Accumulator acc = new Accumulator(ks);
        long start = System.nanoTime();
        QueryBlock block = new QueryBlock(Math.min(BLOCK, rows.length), queries.dim());
        float[] in = new float[queries.dim()];
        float[] out = new float[queries.dim()];
        boolean anySelf = Arrays.stream(heldout.self()).anyMatch(row -> row >= 0);
        for (int from = 0; from < rows.length; from += BLOCK) {
            int to = Math.min(rows.length, from + BLOCK);
            block.clear();
            for (int i = from; i < to; i++) {
                if (transform == null) {
                    block.add(queries.segment(), queries.rowOffset(rows[i]));
                } else {
                    queries.copyRow(rows[i], in);
                    transform.apply(in, out);
                    block.add(out);
                }
            }
            int first = from;
            int[] self = heldout.self();
            Exclusions exclusions = !anySelf ? Exclusions.NONE : (q, ordinal) -> ordinal == self[first + q];
            TopK top = index.search(block, Math.min(depth, (int) index.size()), exclusions, params);
            for (int i = from; i < to; i++) {
                int q = i - from;
                int[] ranked = new int[top.count(q)];
                for (int r = 0; r < ranked.length; r++) {
                    ranked[r] = top.id(q, r);
                }
                acc.add(ranked, ranked.length, heldout.relevant()[i]);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return acc.result(label, params.nprobe(), rows.length / seconds);
    }

    /** The same metrics for a run file's ranking (queries the run does not rank count as retrieving nothing). */
    public static EvalResult evaluate(String label, RunFile run, Qrels heldout, Path qrelsFile, int[] ks) {
        int[] anchors = anchorsOf(heldout, qrelsFile);
        Accumulator acc = new Accumulator(ks);
        for (int anchor : anchors) {
            int list = run.indexOf(anchor);
            int n = list < 0 ? 0 : run.size(list);
            int[] ranked = new int[n];
            for (int j = 0; j < n; j++) {
                ranked[j] = run.doc(list, j);
            }
            acc.add(ranked, n, heldout.docs(anchor));
        }
        return acc.result(label, 0, 0);
    }

    private static int[] anchorsOf(Qrels heldout, Path qrelsFile) {
        int[] anchors = heldout.anchors();
        if (anchors.length == 0) {
            throw new QuarryDataException(qrelsFile, "queries with a relevant document", 0,
                    "at least one query id and relevant doc id naming rows of the stores");
        }
        return anchors;
    }

    /** Sums metrics per K over queries. */
    private static final class Accumulator {
        private final int[] ks;
        private final double[] recall;
        private final double[] mrr;
        private final double[] ndcg;
        private long queries;

        Accumulator(int[] ks) {
            this.ks = ks.clone();
            this.recall = new double[ks.length];
            this.mrr = new double[ks.length];
            this.ndcg = new double[ks.length];
        }

        void add(int[] ranked, int count, int[] relevant) {
            for (int i = 0; i < ks.length; i++) {
                double[] m = RetrievalMetrics.at(ranked, count, relevant, ks[i]);
                recall[i] += m[0];
                mrr[i] += m[1];
                ndcg[i] += m[2];
            }
            queries++;
        }

        EvalResult result(String label, int nprobe, double qps) {
            double[] r = recall.clone();
            double[] m = mrr.clone();
            double[] n = ndcg.clone();
            for (int i = 0; i < ks.length; i++) {
                r[i] /= queries;
                m[i] /= queries;
                n[i] /= queries;
            }
            return new EvalResult(label, nprobe, ks, r, m, n, queries, qps);
        }
    }
}
