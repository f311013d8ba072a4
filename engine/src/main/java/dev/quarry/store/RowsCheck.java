package dev.quarry.store;

import dev.quarry.QuarryDataException;
import dev.quarry.files.ContentChecksum;
import dev.quarry.files.FileFormat;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks a store's rows against the checksum it records (a {@code .qvec} footer, or the content found at
 * open) as whole scans read them: a scan that has just read rows {@code [first, first + n)} in order
 * reports them ({@link #scanned}), and when those rows are the next ones the checksum lacks, it adds them
 * while they are still in the cache. The scan that adds the last rows compares; from then on every report
 * is one volatile read, or the failure again. Several scans of the same rows (the mining workers) take
 * turns at the frontier, so the rows are summed once; a scan split between threads sums its first range
 * on the first search and the next on a later one.
 *
 * <p>A mismatch is a {@link QuarryDataException} naming the file, thrown to the scan that completed the
 * check and to every scan after it: a batch run fails before it publishes anything. A scan that finished
 * its own rows while another thread was still summing them is not held back; see {@link #finish} for a
 * caller that must know before it answers. Thread-safe.
 */
final class RowsCheck {
    private static final long BUSY = -1;

    private final VectorStore store;
    /** Rows {@code [0, next)} are in the checksum; {@link #BUSY} while a thread adds to it. */
    private final AtomicLong next = new AtomicLong();
    private final ContentChecksum sum = new ContentChecksum();
    private volatile boolean passed;
    private volatile QuarryDataException failure;

    RowsCheck(VectorStore store) {
        this.store = store;
    }

    /** Rows {@code [first, first + rows)} were just read in order by a scan; see the class comment. */
    void scanned(long first, long rows) {
        if (passed) {
            return;
        }
        QuarryDataException failed = failure;
        if (failed != null) {
            throw failed;
        }
        if (rows <= 0 || next.get() != first || !next.compareAndSet(first, BUSY)) {
            return;
        }
        add(first, first + rows);
    }

    /** Completes the check, reading the rows no scan has added yet, and fails when they differ. */
    void finish() {
        while (!passed && failure == null) {
            long from = next.get();
            if (from == BUSY) {
                Thread.onSpinWait(); // another thread is adding rows: it will finish or hand over
            } else if (next.compareAndSet(from, BUSY)) {
                add(from, store.count());
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Whether every row was checked and matched. */
    boolean passed() {
        return passed;
    }

    /** Marks the rows checked by a whole scan done elsewhere ({@link StoreContents#verify}). */
    void passedElsewhere() {
        passed = true;
    }

    /** Adds rows {@code [from, to)} (the caller holds {@link #BUSY}) and, at the last row, compares. */
    private void add(long from, long to) {
        try {
            long rowBytes = 4L * store.dim();
            if (store.rowStride() == rowBytes) {
                sum.update(store.segment(), store.rowOffset(from), (to - from) * rowBytes);
            } else {
                for (long r = from; r < to; r++) {
                    sum.update(store.segment(), store.rowOffset(r), rowBytes);
                }
            }
            if (to == store.count()) {
                compare();
            }
        } finally {
            next.set(to);
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void compare() {
        OptionalLong recorded = store.recordedChecksum();
        if (recorded.isEmpty()) {
            passed = true; // nothing recorded to check against: the rows are what they are
            return;
        }
        try {
            if (store.layout().recordedChecksum().isPresent()) {
                FileFormat.checkBody(store.path(), recorded.getAsLong(), sum.value(), "the rows as a scan read them",
                        "re-import the source");
            } else if (recorded.getAsLong() != sum.value()) {
                throw new QuarryDataException(store.path(), "rows checksum", ContentChecksum.hex(sum.value())
                        + " as a scan read them", ContentChecksum.hex(recorded.getAsLong()) + ", what they were when"
                        + " this run checked them (the file changed since: let whatever writes it finish, then run"
                        + " again)");
            }
            passed = true;
        } catch (QuarryDataException e) {
            failure = e;
        }
    }
}
