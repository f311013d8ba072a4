package dev.quarry.store;

import java.nio.file.Path;

/**
 * What an import wrote.
 *
 * @param output the {@code .qvec} written
 * @param rows rows written
 * @param dim floats per row
 * @param normalized whether the output is flagged unit-norm (normalized now, or already unit-norm)
 * @param nonFiniteRows rows holding NaN or infinity (kept only under {@code allowNan})
 * @param ids the id file written beside the output, or null
 */
public record ImportReport(Path output, long rows, int dim, boolean normalized, long nonFiniteRows, Path ids) {
}
