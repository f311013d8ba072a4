package dev.quarry.files;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * A 64-bit checksum of content: CRC32C in the high half, CRC32 in the low half, two different
 * polynomials over the same bytes, both computed by the CPU's carry-less multiply (several GB/s).
 * It identifies content, not files: whatever is derived from a file (an index, a checkpoint, an id
 * cache) records the checksum of what it was derived from and refuses anything else, however equal
 * the size and modification time. Not a cryptographic hash: it detects accidents, not forgeries.
 *
 * <p>An instance accumulates; not thread-safe.
 */
public final class ContentChecksum {
    private static final int CHUNK = 1 << 26; // mapped 64 MiB at a time

    private final CRC32C high = new CRC32C();
    private final CRC32 low = new CRC32();
    private long length;

    /** Adds the remaining bytes of {@code bytes} (its position moves to its limit). */
    public ContentChecksum update(ByteBuffer bytes) {
        length += bytes.remaining();
        ByteBuffer copy = bytes.duplicate();
        high.update(copy);
        low.update(bytes);
        return this;
    }

    /** Adds {@code length} bytes of {@code segment} from {@code offset}. */
    public ContentChecksum update(MemorySegment segment, long offset, long length) {
        long done = 0;
        while (done < length) {
            long n = Math.min(CHUNK, length - done);
            update(segment.asSlice(offset + done, n).asByteBuffer());
            done += n;
        }
        return this;
    }

    /** The checksum of everything added so far. */
    public long value() {
        return high.getValue() << 32 | low.getValue();
    }

    /** Bytes added so far. */
    public long length() {
        return length;
    }

    /** The checksum of a whole file's bytes. */
    public static long ofFile(Path file) {
        return of(file).value();
    }

    /** A whole file's bytes summed in one read: their checksum and their count ({@link #length}). */
    public static ContentChecksum of(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ContentChecksum sum = new ContentChecksum();
            for (long at = 0; at < size; at += CHUNK) {
                long n = Math.min(CHUNK, size - at);
                try (Arena chunk = Arena.ofConfined()) {
                    sum.update(ch.map(FileChannel.MapMode.READ_ONLY, at, n, chunk), 0, n);
                }
            }
            return sum;
        } catch (IOException e) {
            throw new QuarryDataException(file, "file", "unreadable (" + e.getMessage() + ")", "a readable file", e);
        }
    }

    /** {@code 0x} and 16 hex digits, as files and messages show a checksum. */
    public static String hex(long checksum) {
        return String.format(Locale.ROOT, "0x%016x", checksum);
    }
}
