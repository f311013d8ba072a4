package dev.quarry.bench.peers;

import dev.quarry.store.VectorStore;
import java.nio.file.Path;

/**
 * The corpus and queries of one run, memory-mapped through Quarry's {@link VectorStore} (how Quarry
 * itself reads them), with copies to the heap for peers whose users hold rows as {@code float[][]}.
 * Owns the two stores.
 */
public final class PeerData implements AutoCloseable {
    private final VectorStore corpus;
    private final VectorStore queries;
    private final int queryCount;

    private PeerData(VectorStore corpus, VectorStore queries, int queryCount) {
        this.corpus = corpus;
        this.queries = queries;
        this.queryCount = queryCount;
    }

    /** Opens both files; {@code queryLimit > 0} keeps only the first queries. */
    public static PeerData open(Path corpusFile, Path queriesFile, int queryLimit) {
        VectorStore corpus = VectorStore.open(corpusFile);
        try {
            VectorStore queries = VectorStore.open(queriesFile);
            if (queries.dim() != corpus.dim()) {
                queries.close();
                throw new IllegalArgumentException(queriesFile + ": dim=" + queries.dim() + ", expected the corpus's "
                        + corpus.dim());
            }
            if (corpus.count() > Integer.MAX_VALUE || queries.count() > Integer.MAX_VALUE) {
                queries.close();
                throw new IllegalArgumentException("count=" + corpus.count() + "/" + queries.count()
                        + ", expected at most 2^31 - 1 rows");
            }
            int n = (int) (queryLimit > 0 ? Math.min(queryLimit, queries.count()) : queries.count());
            return new PeerData(corpus, queries, n);
        } catch (RuntimeException e) {
            corpus.close();
            throw e;
        }
    }

    /** The corpus store. */
    public VectorStore corpus() {
        return corpus;
    }

    /** The query store (use only the first {@link #queryCount()} rows). */
    public VectorStore queries() {
        return queries;
    }

    /** Queries searched per pass. */
    public int queryCount() {
        return queryCount;
    }

    /** Corpus rows. */
    public int rows() {
        return (int) corpus.count();
    }

    /** Vector dimension. */
    public int dim() {
        return corpus.dim();
    }

    /** The corpus copied to the heap, one array per row. */
    public float[][] corpusOnHeap() {
        return onHeap(corpus, rows());
    }

    /** The queries copied to the heap, one array per query. */
    public float[][] queriesOnHeap() {
        return onHeap(queries, queryCount);
    }

    private static float[][] onHeap(VectorStore store, int count) {
        float[][] rows = new float[count][store.dim()];
        for (int r = 0; r < count; r++) {
            store.copyRow(r, rows[r]);
        }
        return rows;
    }

    @Override
    public void close() {
        try {
            queries.close();
        } finally {
            corpus.close();
        }
    }
}
