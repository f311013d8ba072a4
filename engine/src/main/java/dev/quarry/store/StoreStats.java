package dev.quarry.store;

/**
 * Row statistics of a store, over every row ({@code sampled == false}) or an even sample.
 *
 * @param rowsScanned rows looked at
 * @param sampled whether only a sample was scanned
 * @param normMin smallest L2 norm among finite rows (NaN when there is none)
 * @param normMean mean L2 norm among finite rows
 * @param normMax largest L2 norm among finite rows
 * @param maxUnitDeviation largest {@code |norm - 1|} among finite rows: tells whether rows are unit-norm
 * @param nonFiniteRows rows holding NaN or infinity
 * @param zeroRows rows of norm 0 (cosine is undefined for them)
 * @param firstNonFiniteRow the first such row, or -1
 * @param firstZeroRow the first zero row, or -1
 * @param nonUnitRows rows whose norm is not 1 within {@link StoreInspector#UNIT_TOLERANCE}, NaN/Inf and zero rows
 *                    included (none may exist in a store flagged normalized)
 * @param firstNonUnitRow the first such row, or -1
 * @param firstNonUnitNorm its L2 norm (NaN for a row holding NaN), or NaN
 */
public record StoreStats(long rowsScanned, boolean sampled, double normMin, double normMean, double normMax,
                         double maxUnitDeviation, long nonFiniteRows, long zeroRows, long firstNonFiniteRow,
                         long firstZeroRow, long nonUnitRows, long firstNonUnitRow, double firstNonUnitNorm) {

    /** Whether every scanned finite row has unit norm within {@code tolerance}. */
    public boolean unitNorm(double tolerance) {
        return rowsScanned > nonFiniteRows && maxUnitDeviation <= tolerance;
    }
}
