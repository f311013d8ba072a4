package dev.quarry.pipeline;

import dev.quarry.QuarryDataException;
import dev.quarry.io.JsonlTexts;
import dev.quarry.labels.DynamicIdMap;
import dev.quarry.labels.IdMap;
import dev.quarry.labels.IdTable;
import dev.quarry.store.VectorStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The ids of a store's rows, found the way every command finds them: an explicit id file, else
 * {@code STORE.ids} beside the store, else the ids of the store's text JSONL (line i = row i), else
 * row numbers; without a store, ids numbered as the files name them.
 *
 * @param ids the map
 * @param file the file the ids came from, or null (row numbers, or numbered as named)
 * @param table the off-heap table to close, or null
 */
public record StoreIds(IdMap ids, Path file, IdTable table) implements AutoCloseable {

    /** Resolves the ids of {@code store} (may be null), preferring {@code idFile}, then {@code textFile}. */
    public static StoreIds of(VectorStore store, Path idFile, Path textFile) {
        Path beside = store == null ? null : store.path().resolveSibling(store.path().getFileName() + ".ids");
        IdTable table = null;
        Path source = null;
        if (idFile != null) {
            table = IdTable.forIdFile(idFile);
            source = idFile;
        } else if (beside != null && Files.isRegularFile(beside)) {
            table = IdTable.forIdFile(beside);
            source = beside;
        } else if (textFile != null) {
            table = JsonlTexts.idsOf(textFile);
            source = textFile;
        }
        if (table == null) {
            return new StoreIds(store == null ? new DynamicIdMap() : IdMap.ordinals(store.count()), null, null);
        }
        if (store != null && table.size() != store.count()) {
            table.close();
            throw new QuarryDataException(source, "ids", table.size(), store.count() + ", one per row of "
                    + store.path());
        }
        return new StoreIds(table, source, table);
    }

    @Override
    public void close() {
        if (table != null) {
            table.close();
        }
    }
}
