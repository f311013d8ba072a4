package dev.quarry.store;

import java.nio.file.Path;

/**
 * How {@link StoreImporter} converts a matrix.
 *
 * @param normalize scale every row to unit L2 norm (a zero row is then an error)
 * @param allowNan keep rows holding NaN or infinity instead of rejecting the input
 * @param ids optional UTF-8 text file with one external id per row, copied to {@code OUTPUT.ids}
 */
public record ImportOptions(boolean normalize, boolean allowNan, Path ids) {
    /** Plain conversion: no normalization, non-finite rows rejected, no ids. */
    public static ImportOptions defaults() {
        return new ImportOptions(false, false, null);
    }
}
