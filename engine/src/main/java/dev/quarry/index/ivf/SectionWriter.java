package dev.quarry.index.ivf;

import dev.quarry.files.ContentChecksum;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Buffered little-endian writes into the sections of a file's body, in order, at given offsets (gaps
 * stay zero), with the checksum of the body (gaps included) computed on the way. Within a section, the
 * bytes go out in writes that start and end on {@link #ALIGN} boundaries of the file (all but a section's
 * first and last write): how the kernel holds a file's pages decides the pages a mapping of it gets, and
 * the lists written by 4 MiB writes at offsets off those boundaries were mapped only half in 2 MiB pages
 * (the rest in 4 KiB pages, each a page-table walk for every call that scans them), where writes on the
 * boundaries are mapped almost whole in 2 MiB pages, as a copy written the same way
 * (dev.quarry.serve's WorkDirectory) is.
 */
final class SectionWriter {
    /** The boundary writes start and end on: the page a mapping can take for a large folio. */
    static final int ALIGN = 2 << 20;
    private static final ByteBuffer ZEROS = ByteBuffer.allocate(4096);

    /** Where the bytes go: {@code FileChannel::write} (bytes from the buffer's position, at a file offset). */
    @FunctionalInterface
    interface Target {
        int write(ByteBuffer bytes, long position) throws IOException;
    }

    private final Target target;
    private final ByteBuffer buf;
    private final ContentChecksum checksum = new ContentChecksum();
    private long position;

    SectionWriter(Target target, long bodyStart) {
        this(target, bodyStart, 2 * ALIGN);
    }

    /** With a buffer of {@code capacity} bytes (at least {@link #ALIGN}; tests use small ones only through this). */
    SectionWriter(Target target, long bodyStart, int capacity) {
        if (capacity < ALIGN) {
            throw new IllegalArgumentException("capacity " + capacity + " below " + ALIGN);
        }
        this.target = target;
        this.position = bodyStart;
        this.buf = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Flushes and continues at {@code offset}, at or after where the last section ended. */
    void seek(long offset) throws IOException {
        flush(true);
        if (offset < position) {
            throw new IllegalStateException("seek back from " + position + " to " + offset);
        }
        for (long gap = offset - position; gap > 0; gap -= Math.min(gap, ZEROS.capacity())) {
            checksum.update(ZEROS.duplicate().limit((int) Math.min(gap, ZEROS.capacity())));
        }
        position = offset;
    }

    /** Flushes; the checksum of the body written. */
    long finish() throws IOException {
        flush(true);
        return checksum.value();
    }

    /** The buffer, with room for {@code bytes} more (at most {@link #ALIGN}). */
    ByteBuffer room(int bytes) throws IOException {
        if (buf.remaining() < bytes) {
            flush(false); // up to the last boundary: the rest, under ALIGN bytes, stays, so ALIGN bytes are free
        }
        return buf;
    }

    /**
     * Writes what the buffer holds: everything ({@code all}: a section ends), or up to the last {@link #ALIGN}
     * boundary of the file it reaches, keeping the rest (everything when it reaches none).
     */
    private void flush(boolean all) throws IOException {
        buf.flip();
        int n = buf.remaining();
        if (!all) {
            long end = position + n;
            long boundary = end - Math.floorMod(end, ALIGN);
            if (boundary > position) {
                n = (int) (boundary - position);
            }
        }
        ByteBuffer out = buf.duplicate().limit(n);
        checksum.update(out.duplicate());
        while (out.hasRemaining()) {
            position += target.write(out, position);
        }
        buf.position(n);
        buf.compact();
    }
}
