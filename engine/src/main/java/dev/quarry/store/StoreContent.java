package dev.quarry.store;

import dev.quarry.QuarryDataException;
import dev.quarry.files.ContentChecksum;

/**
 * What a store's rows are, as far as every run that uses them must know: the checksum of the row
 * bytes ({@link ContentChecksum}, in row order, the same whatever the file format), and the rows that
 * hold NaN or infinity. Indexes, checkpoints and caches record the checksum and refuse other rows;
 * mining refuses non-finite rows, which would silently get no negatives. See {@link StoreContents}
 * for where it comes from (a {@code .qvec} footer, or a scan cached beside the file).
 *
 * @param checksum the checksum of the row bytes
 * @param nonFiniteRows rows holding NaN or an infinity
 * @param firstNonFiniteRow the first such row, or -1
 * @param source how it was found: {@code footer}, {@code cache} or {@code scan}
 */
public record StoreContent(long checksum, long nonFiniteRows, long firstNonFiniteRow, String source) {

    /** The checksum as files and messages show it. */
    public String checksumHex() {
        return ContentChecksum.hex(checksum);
    }

    /** Fails with the store's name and first bad row when a row holds NaN or infinity. */
    public void requireFinite(VectorStore store, String role) {
        if (nonFiniteRows > 0) {
            throw new QuarryDataException(store.path(), "row[" + firstNonFiniteRow + "]",
                    "NaN or infinite (" + nonFiniteRows + " such rows)", "finite values in every row of the " + role
                            + ": such a row scores NaN against everything and would silently mine nothing;"
                            + " drop or re-embed those rows");
        }
    }
}
