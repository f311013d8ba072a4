package dev.quarry.labels;

/**
 * External ids of the rows of a store, both ways: id to ordinal for reading labels, ordinal to id
 * for writing outputs. Thread-safe for reads.
 */
public interface IdMap {
    /** Number of ids (rows). */
    long size();

    /** The ordinal of {@code id}, or -1 when no row has it. */
    int ordinal(String id);

    /** The id of row {@code ordinal}. */
    String id(int ordinal);

    /** Ids that are the ordinals themselves: "0", "1", ... (for stores without an id file). */
    static IdMap ordinals(long count) {
        return new OrdinalIdMap(count);
    }
}
