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

    /**
     * The ordinals of {@code ids[0..count)} into {@code out} (-1 for an id no row has): what {@link #ordinal}
     * gives each, found in whatever order is cheapest for the map. Not for a map that numbers new ids.
     */
    default void ordinals(String[] ids, int count, int[] out) {
        for (int i = 0; i < count; i++) {
            out[i] = ordinal(ids[i]);
        }
    }

    /** The id of row {@code ordinal}. */
    String id(int ordinal);

    /** Ids that are the ordinals themselves: "0", "1", ... (for stores without an id file). */
    static IdMap ordinals(long count) {
        return new OrdinalIdMap(count);
    }
}
