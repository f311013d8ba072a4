package dev.quarry.eval;

import dev.quarry.QuarryDataException;
import dev.quarry.labels.Qrels;
import dev.quarry.store.VectorStore;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Held-out queries with their relevant documents, as an evaluation searches them: rows of a query store,
 * each with its relevant corpus rows (sorted) and the corpus row it must not retrieve (its own, when the
 * queries are rows of the corpus; -1 otherwise). Immutable.
 *
 * @param queries the store holding the queries' vectors
 * @param rows the queries' rows in that store, in evaluation order
 * @param relevant per query, its relevant corpus rows (sorted, at least one)
 * @param self per query, the corpus row left out of its results, or -1
 */
public record HeldoutQueries(VectorStore queries, int[] rows, int[][] relevant, int[] self) {

    public HeldoutQueries {
        if (rows.length != relevant.length || rows.length != self.length) {
            throw new IllegalArgumentException("rows=" + rows.length + " relevant=" + relevant.length + " self="
                    + self.length + ", expected one of each per query");
        }
    }

    /**
     * Every query of {@code qrels} with a relevant document; when the queries are rows of the corpus, a
     * query's own row is left out of its results, as in mining. No such query is bad data in {@code file}.
     */
    public static HeldoutQueries of(VectorStore queries, Qrels qrels, boolean queriesAreCorpusRows, Path file) {
        return of(queries, qrels, qrels.anchors(), queriesAreCorpusRows, file);
    }

    /** As {@link #of(VectorStore, Qrels, boolean, Path)}, for the queries {@code anchors} only (in that order). */
    public static HeldoutQueries of(VectorStore queries, Qrels qrels, int[] anchors, boolean queriesAreCorpusRows,
                                    Path file) {
        int[] rows = Arrays.stream(anchors).filter(qrels::has).toArray();
        if (rows.length == 0) {
            throw new QuarryDataException(file, "queries with a relevant document", 0,
                    "at least one query id and relevant doc id naming rows of the stores");
        }
        int[][] relevant = new int[rows.length][];
        int[] self = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            relevant[i] = qrels.docs(rows[i]);
            self[i] = queriesAreCorpusRows ? rows[i] : -1;
        }
        return new HeldoutQueries(queries, rows, relevant, self);
    }

    /** Queries to evaluate. */
    public int size() {
        return rows.length;
    }
}
