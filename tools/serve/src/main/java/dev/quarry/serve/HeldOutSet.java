package dev.quarry.serve;

import dev.quarry.QuarryDataException;
import dev.quarry.labels.IdMap;
import dev.quarry.labels.Qrels;
import dev.quarry.labels.QrelsReader;
import dev.quarry.labels.QrelsReport;
import dev.quarry.pipeline.StoreIds;
import dev.quarry.store.VectorStore;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A held-out set the server watches recall on: embedded queries and their qrels, the relevant documents
 * named by the corpus's ids. The queries are copied into the server's work directory first (the server
 * maps only what it owns: a trainer rewrites its held-out file every epoch); the qrels are read whole.
 * The ids of the queries with a relevant document are kept, so that no training anchor can be one of
 * them.
 */
final class HeldOutSet implements AutoCloseable {
    private static final AtomicLong LOADED = new AtomicLong();

    private final Path queriesFile;
    private final Path qrelsFile;
    private final VectorStore queries;
    private final StoreIds queryIds;
    private final Qrels qrels;
    private final Set<String> ids;
    private final Runnable deleteCopy;

    private HeldOutSet(Path queriesFile, Path qrelsFile, VectorStore queries, StoreIds queryIds, Qrels qrels,
                       Set<String> ids, Runnable deleteCopy) {
        this.queriesFile = queriesFile;
        this.qrelsFile = qrelsFile;
        this.queries = queries;
        this.queryIds = queryIds;
        this.qrels = qrels;
        this.ids = ids;
        this.deleteCopy = deleteCopy;
    }

    /**
     * Loads the held-out set of {@code queriesFile} (its ids beside it, {@code FILE.ids}, else row numbers) and
     * {@code qrelsFile} against the corpus served.
     *
     * @param training whether an id is a training anchor (one the negatives store or a mine call has named)
     * @throws QuarryDataException for queries of another dimension, qrels with no relevant document in the
     *     corpus, or a held-out query that is a training anchor (the first such id named)
     */
    static HeldOutSet load(Path queriesFile, Path qrelsFile, IdMap corpusIds, int dim, WorkDirectory work,
                           Predicate<String> training) {
        String prefix = "heldout" + LOADED.incrementAndGet() + "-";
        Runnable deleteCopy = () -> work.deletePrefix(prefix);
        VectorStore queries = null;
        StoreIds queryIds = null;
        try {
            queries = VectorStore.open(work.copyIn(queriesFile, null, prefix));
            if (queries.dim() != dim) {
                throw new QuarryDataException(queriesFile, "dim", queries.dim(), dim + " as the corpus served (held-out"
                        + " queries embedded by the same model)");
            }
            queryIds = StoreIds.of(queries, null, null);
            QrelsReader.Result read = new QrelsReader(queryIds.ids(), corpusIds, false).read(qrelsFile, null);
            Qrels qrels = read.qrels();
            if (qrels.anchorCount() == 0) {
                QrelsReport r = read.report();
                throw new QuarryDataException(qrelsFile, "held-out queries with a relevant document", String.format(
                        Locale.ROOT, "0 of %,d pairs (%,d name an unknown query, e.g. %s; %,d an unknown document,"
                                + " e.g. %s)", r.pairsRead(), r.unknownAnchors(), r.firstUnknownAnchor(),
                        r.unknownDocs(), r.firstUnknownDoc()), "query ids of " + queriesFile + " and relevant doc ids"
                        + " of the corpus served");
            }
            Set<String> ids = new LinkedHashSet<>();
            for (int anchor : qrels.anchors()) {
                ids.add(queryIds.ids().id(anchor));
            }
            for (String id : ids) {
                if (training.test(id)) {
                    throw new QuarryDataException(qrelsFile, "held-out query", id, "held-out queries that are not"
                            + " training anchors (negatives were mined for " + id + ": recall on it says nothing about"
                            + " unseen queries)");
                }
            }
            return new HeldOutSet(queriesFile, qrelsFile, queries, queryIds, qrels, Set.copyOf(ids), deleteCopy);
        } catch (RuntimeException | Error e) {
            if (queryIds != null) {
                queryIds.close();
            }
            if (queries != null) {
                queries.close();
            }
            deleteCopy.run();
            throw e;
        }
    }

    /** The queries file as the user named it. */
    Path queriesFile() {
        return queriesFile;
    }

    /** The qrels file as the user named it. */
    Path qrelsFile() {
        return qrelsFile;
    }

    /** The server's copy of the queries. */
    VectorStore queries() {
        return queries;
    }

    /** The qrels: query rows to relevant corpus rows. */
    Qrels qrels() {
        return qrels;
    }

    /** The first of {@code anchorIds} that is a held-out query, or null. */
    String firstShared(String[] anchorIds) {
        for (String id : anchorIds) {
            if (ids.contains(id)) {
                return id;
            }
        }
        return null;
    }

    @Override
    public void close() {
        queryIds.close();
        queries.close();
        deleteCopy.run();
    }
}
