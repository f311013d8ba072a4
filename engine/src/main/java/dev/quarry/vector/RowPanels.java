package dev.quarry.vector;

/**
 * The panel layout of a run of rows, as {@link VectorKernels#scorePanelsTopK} reads it: rows are
 * grouped by {@link #ROWS}, and each group (a panel) is stored component-major, so component i of
 * the panel's 16 rows is 16 consecutive floats. Component i of row r is the float at
 * {@link #offset(int, int, int) offset(r, i, dim)} bytes from the run's start; the last panel is
 * padded with zero rows to a full panel.
 *
 * <p>Why: a query scored against a panel needs one vector load per component for 16 rows, so a
 * lone query fills every SIMD lane. Rows stored one after another fill the lanes only with many
 * queries (the block kernel broadcasts a row's component against a vector of queries). IVF lists
 * are scanned by few queries each at small nprobe, so they are stored this way.
 */
public final class RowPanels {
    /** Rows per panel: a multiple of every vector width the kernels use (4, 8 and 16 lanes). */
    public static final int ROWS = 16;

    private RowPanels() {
    }

    /** Rows including the padding of the last panel. */
    public static long paddedRows(long rows) {
        return (rows + ROWS - 1) / ROWS * ROWS;
    }

    /** Byte offset of component {@code i} of row {@code row} from the start of the run. */
    public static long offset(int row, int i, int dim) {
        return 4L * index(row, i, dim);
    }

    /**
     * Position of component {@code i} of row {@code row} in the run, counted in components: the byte
     * offset of rows stored as one-byte codes ({@link VectorKernels#scoreCodePanelsTopK}).
     */
    public static long index(int row, int i, int dim) {
        return (long) (row / ROWS) * ROWS * dim + (long) i * ROWS + row % ROWS;
    }
}
