package dev.quarry.store;

import dev.quarry.files.AtomicOutput;
import dev.quarry.files.ContentChecksum;
import dev.quarry.files.FileFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Streams float32 rows into a new {@code .qvec} file with bounded memory: rows are appended in
 * chunks and checksummed on the way, the footer (the rows' checksum) and the header (which holds the
 * final count and its CRC) are written by {@link #finish}, and the file only appears under its name
 * once complete ({@link AtomicOutput}). Not thread-safe.
 */
public final class QvecWriter implements AutoCloseable {
    private static final int BUFFER_BYTES = 1 << 20;

    private final AtomicOutput out;
    private final int dim;
    private final ByteBuffer buffer;
    private final MemorySegment bufferSegment;
    private final ContentChecksum checksum = new ContentChecksum();
    private long count;

    private QvecWriter(AtomicOutput out, int dim) {
        this.out = out;
        this.dim = dim;
        this.buffer = ByteBuffer.allocateDirect(Math.max(BUFFER_BYTES, 4 * dim)).order(ByteOrder.LITTLE_ENDIAN);
        this.bufferSegment = MemorySegment.ofBuffer(buffer); // the whole buffer: taken while position is 0
    }

    /** Starts {@code target.tmp}; nothing appears at {@code target} until {@link #finish}. */
    public static QvecWriter create(Path target, int dim) {
        if (dim < 1) {
            throw new IllegalArgumentException("dim=" + dim + ", expected >= 1");
        }
        AtomicOutput out = AtomicOutput.create(target);
        try {
            out.channel().position(QvecHeader.SIZE);
        } catch (IOException e) {
            out.close();
            throw new UncheckedIOException(e);
        }
        return new QvecWriter(out, dim);
    }

    /**
     * Continues the temp file {@code temp} that a killed writer of {@code target} left, after its first
     * {@code rows} rows (anything after them is dropped): the checksum of those rows is rebuilt by reading
     * them back, so the finished file is the one an uninterrupted run writes.
     */
    public static QvecWriter resume(Path target, Path temp, int dim, long rows) {
        if (dim < 1 || rows < 0) {
            throw new IllegalArgumentException("dim=" + dim + ", rows=" + rows + ", expected dim >= 1, rows >= 0");
        }
        long rowBytes = rows * dim * Float.BYTES;
        AtomicOutput out = AtomicOutput.resume(target, temp, QvecHeader.SIZE + rowBytes);
        try {
            QvecWriter writer = new QvecWriter(out, dim);
            if (rowBytes > 0) {
                try (Arena arena = Arena.ofConfined()) {
                    writer.checksum.update(out.channel().map(FileChannel.MapMode.READ_ONLY, QvecHeader.SIZE, rowBytes,
                            arena), 0, rowBytes);
                }
            }
            writer.count = rows;
            return writer;
        } catch (IOException e) {
            out.close();
            throw new UncheckedIOException("cannot read back " + temp, e);
        }
    }

    /** The temp file being written (what a checkpoint names to {@link #resume}). */
    public Path temp() {
        return out.temp();
    }

    /** Writes the buffered rows and forces them to disk, so a checkpoint may count them. */
    public void sync() {
        flush();
        out.force();
    }

    /** Keeps the temp file for a later {@link #resume} instead of deleting it at {@link #close}. */
    public void keepForResume() {
        flush();
        out.keepForResume();
    }

    /** Appends {@code rows} rows stored row-major in {@code data} from {@code offset}. */
    public void write(float[] data, int offset, int rows) {
        int floats = rows * dim;
        int done = 0;
        while (done < floats) {
            int n = Math.min(floats - done, buffer.remaining() / 4);
            if (n == 0) {
                flush();
                continue;
            }
            MemorySegment.copy(data, offset + done, bufferSegment, ValueLayout.JAVA_FLOAT_UNALIGNED,
                    buffer.position(), n);
            buffer.position(buffer.position() + 4 * n);
            done += n;
        }
        count += rows;
    }

    /** Rows written so far. */
    public long count() {
        return count;
    }

    /** Floats per row. */
    public int dim() {
        return dim;
    }

    /** Writes the footer and the header, and publishes the file under its final name. */
    public void finish(boolean normalized) {
        finish(normalized, false);
    }

    /** As {@link #finish(boolean)}, flagging that rows with NaN or infinity were kept. */
    public void finish(boolean normalized, boolean mayHoldNonFinite) {
        flush();
        try {
            ByteBuffer footer = FileFormat.footer(checksum.value());
            while (footer.hasRemaining()) {
                out.channel().write(footer);
            }
            ByteBuffer header = QvecHeader.of(dim, count, normalized, mayHoldNonFinite).encode();
            while (header.hasRemaining()) {
                out.channel().write(header, header.position());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.temp(), e);
        }
        out.commit();
    }

    private void flush() {
        buffer.flip();
        checksum.update(buffer.duplicate());
        try {
            while (buffer.hasRemaining()) {
                out.channel().write(buffer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.temp(), e);
        }
        buffer.clear();
    }

    /** Abandons the file unless {@link #finish} ran. */
    @Override
    public void close() {
        out.close();
    }
}
