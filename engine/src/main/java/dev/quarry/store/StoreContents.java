package dev.quarry.store;

import dev.quarry.Progress;
import dev.quarry.QuarryDataException;
import dev.quarry.files.ChecksumCache;
import dev.quarry.files.ContentChecksum;
import dev.quarry.files.FileFormat;
import dev.quarry.files.FileStamp;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

/**
 * Finds a store's {@link StoreContent}. A version 2 {@code .qvec} records its rows' checksum in its
 * footer, and {@code quarry import} refused non-finite rows unless told to keep them (then a header
 * flag says so and the rows are scanned). Any other file ({@code .npy}, {@code .fvecs}, a version 1
 * {@code .qvec}) is scanned once: the rows' checksum, non-finite rows, and every {@code .fvecs} row
 * prefix; the result is kept by {@link ChecksumCache} (beside the file as {@code FILE.qsum}, or in the
 * user's cache) with the {@link FileStamp} taken before the store was opened (real path, inode, size, mtime
 * and ctime), and reused while the stamp is unchanged. The ctime moves on every write, so a file rewritten
 * with the same size and mtime is scanned again; a file changed just before it was opened is not kept.
 */
public final class StoreContents {
    private static final String NON_FINITE = "non_finite_rows";
    private static final String FIRST_NON_FINITE = "first_non_finite_row";

    private StoreContents() {
    }

    /** The content of {@code store}; a scan reports progress to {@code progress} (may be null). */
    static StoreContent of(VectorStore store, PrintWriter progress) {
        MatrixLayout layout = store.layout();
        if (layout.recordedChecksum().isPresent() && !layout.mayHoldNonFinite()) {
            return new StoreContent(layout.recordedChecksum().getAsLong(), 0, -1, "footer");
        }
        if (!store.isFile()) {
            return scan(store, progress);
        }
        FileStamp stamp = store.openedAs(); // taken before the store was opened: the entry is of the mapped bytes
        ChecksumCache.Entry cached = ChecksumCache.read(store.path(), stamp);
        Long nonFinite = cached == null ? null : cached.numbers().get(NON_FINITE);
        Long first = cached == null ? null : cached.numbers().get(FIRST_NON_FINITE);
        boolean agreesWithFooter = cached != null && (layout.recordedChecksum().isEmpty()
                || layout.recordedChecksum().getAsLong() == cached.checksum());
        if (agreesWithFooter && nonFinite != null && first != null && nonFinite >= 0 && first >= -1) {
            return new StoreContent(cached.checksum(), nonFinite, first, "cache");
        }
        StoreContent scanned = scan(store, progress);
        if (layout.recordedChecksum().isPresent()) { // a .qvec kept with non-finite rows: its footer, checked now
            FileFormat.checkBody(store.path(), layout.recordedChecksum().getAsLong(), scanned.checksum(), "the rows",
                    "re-import the source");
        }
        store.rowsCheckedElsewhere(); // every row was just read: no scan needs to sum them again
        ChecksumCache.write(store.path(), stamp, scanned.checksum(), Map.of(NON_FINITE, scanned.nonFiniteRows(),
                FIRST_NON_FINITE, scanned.firstNonFiniteRow()));
        return scanned;
    }

    /**
     * Recomputes the checksum of a store's rows and compares it with the one the file records (a
     * version 2 {@code .qvec} footer), failing with both when they differ; returns the scan, or the
     * recomputed content of a file that records none.
     */
    public static StoreContent verify(VectorStore store, PrintWriter progress) {
        StoreContent scanned = scan(store, progress);
        MatrixLayout layout = store.layout();
        if (layout.recordedChecksum().isPresent()) {
            FileFormat.checkBody(store.path(), layout.recordedChecksum().getAsLong(), scanned.checksum(), "the rows",
                    "re-import the source");
        }
        store.rowsCheckedElsewhere();
        return scanned;
    }

    /** Scans every row: checksum, non-finite values, and each {@code .fvecs} row's dimension prefix. */
    static StoreContent scan(VectorStore store, PrintWriter progressOut) {
        MatrixLayout layout = store.layout();
        MemorySegment seg = store.segment();
        int dim = store.dim();
        long count = store.count();
        boolean fvecs = layout.format() == StoreFormat.FVECS;
        ContentChecksum sum = new ContentChecksum();
        long nonFinite = 0;
        long first = -1;
        Progress progress = new Progress("check " + store.path().getFileName(), "rows", count,
                count * dim >= 50_000_000L ? progressOut : null);
        long rowsPerStep = Math.max(1, (1 << 22) / (4L * dim));
        for (long row = 0; row < count; row++) {
            long offset = store.rowOffset(row);
            if (fvecs) {
                int rowDim = seg.get(ValueLayout.JAVA_INT_UNALIGNED, offset - 4);
                if (rowDim != dim) {
                    throw new QuarryDataException(store.path(), "row[" + row + "] dim", rowDim, dim + " as in row 0"
                            + " (every .fvecs row starts with the same dimension)");
                }
            }
            if (!fvecs && row % rowsPerStep == 0) {
                long rows = Math.min(rowsPerStep, count - row);
                sum.update(seg, offset, rows * 4L * dim); // contiguous rows: one update per step
            } else if (fvecs) {
                sum.update(seg, offset, 4L * dim);
            }
            if (!finite(seg, offset, dim)) {
                nonFinite++;
                if (first < 0) {
                    first = row;
                }
            }
            if (row % rowsPerStep == rowsPerStep - 1) {
                progress.advance(rowsPerStep);
            }
        }
        progress.finish();
        return new StoreContent(sum.value(), nonFinite, first, "scan");
    }

    private static boolean finite(MemorySegment seg, long offset, int dim) {
        int orAll = 0;
        for (int k = 0; k < dim; k++) {
            int bits = seg.get(ValueLayout.JAVA_INT_UNALIGNED, offset + 4L * k);
            // Exponent all ones: infinity or NaN. Accumulate without a branch per element.
            orAll |= ((bits & 0x7f800000) == 0x7f800000) ? 1 : 0;
        }
        return orAll == 0;
    }
}
