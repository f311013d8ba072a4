package dev.quarry.store;

import dev.quarry.QuarryDataException;
import dev.quarry.Progress;
import dev.quarry.vector.VectorKernels;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Computes {@link StoreStats} for {@code quarry info}: norms, NaN/Inf rows and zero rows, over an
 * even sample of rows (fast, for a first look) or over every row ({@code verify}, which also checks
 * the per-row dimension prefixes of {@code .fvecs} files).
 */
public final class StoreInspector {
    /** Rows looked at when not verifying. */
    public static final int SAMPLE_ROWS = 10_000;

    /**
     * A row counts as unit-norm when {@code |norm - 1|} is at most this: float32 rounding of a normalized row
     * leaves errors of about 1e-7 per component, far below it; a row that was never normalized is far above.
     */
    public static final double UNIT_TOLERANCE = 1e-3;

    private final VectorKernels kernels;

    public StoreInspector(VectorKernels kernels) {
        this.kernels = kernels;
    }

    /** Scans {@code store}; progress goes to {@code progressOut} when not null. */
    public StoreStats inspect(VectorStore store, boolean verify, PrintWriter progressOut) {
        long count = store.count();
        boolean sampled = !verify && count > SAMPLE_ROWS;
        long scan = sampled ? SAMPLE_ROWS : count;
        int dim = store.dim();
        MemorySegment seg = store.segment();
        boolean fvecs = store.layout().format() == StoreFormat.FVECS;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        double maxDeviation = 0;
        long finite = 0;
        long nonFinite = 0;
        long zero = 0;
        long firstNonFinite = -1;
        long firstZero = -1;
        long nonUnit = 0;
        long firstNonUnit = -1;
        double firstNonUnitNorm = Double.NaN;
        Progress progress = new Progress((verify ? "verify " : "scan ") + store.path().getFileName(), "rows", scan,
                verify ? progressOut : null);
        for (long i = 0; i < scan; i++) {
            long row = sampled ? i * count / scan : i;
            long offset = store.rowOffset(row);
            if (fvecs && verify) {
                int rowDim = seg.get(ValueLayout.JAVA_INT_UNALIGNED, offset - 4);
                if (rowDim != dim) {
                    throw new QuarryDataException(store.path(), "row[" + row + "] dim", rowDim, dim + " as in row 0");
                }
            }
            float sq = kernels.squaredNorm(seg, offset, dim);
            double norm;
            if (Float.isFinite(sq)) {
                norm = Math.sqrt(sq);
            } else if (rowIsFinite(seg, offset, dim)) {
                norm = exactNorm(seg, offset, dim);
            } else {
                nonFinite++;
                if (firstNonFinite < 0) {
                    firstNonFinite = row;
                }
                nonUnit++;
                if (firstNonUnit < 0) {
                    firstNonUnit = row;
                    firstNonUnitNorm = exactNorm(seg, offset, dim);
                }
                progress.advance(1);
                continue;
            }
            if (!(Math.abs(norm - 1) <= UNIT_TOLERANCE)) {
                nonUnit++;
                if (firstNonUnit < 0) {
                    firstNonUnit = row;
                    firstNonUnitNorm = norm;
                }
            }
            if (norm == 0) {
                zero++;
                if (firstZero < 0) {
                    firstZero = row;
                }
            }
            finite++;
            sum += norm;
            min = Math.min(min, norm);
            max = Math.max(max, norm);
            maxDeviation = Math.max(maxDeviation, Math.abs(norm - 1));
            progress.advance(1);
        }
        if (verify && scan > 0) {
            progress.finish();
        }
        double mean = finite > 0 ? sum / finite : Double.NaN;
        return new StoreStats(scan, sampled, finite > 0 ? min : Double.NaN, mean, finite > 0 ? max : Double.NaN,
                finite > 0 ? maxDeviation : Double.NaN, nonFinite, zero, firstNonFinite, firstZero, nonUnit,
                firstNonUnit, firstNonUnitNorm);
    }

    private static boolean rowIsFinite(MemorySegment seg, long offset, int dim) {
        for (int k = 0; k < dim; k++) {
            if (!Float.isFinite(seg.get(ValueLayout.JAVA_FLOAT_UNALIGNED, offset + 4L * k))) {
                return false;
            }
        }
        return true;
    }

    private static double exactNorm(MemorySegment seg, long offset, int dim) {
        double sum = 0;
        for (int k = 0; k < dim; k++) {
            double x = seg.get(ValueLayout.JAVA_FLOAT_UNALIGNED, offset + 4L * k);
            sum += x * x;
        }
        return Math.sqrt(sum);
    }
}
