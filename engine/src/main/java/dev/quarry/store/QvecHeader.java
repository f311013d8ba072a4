package dev.quarry.store;

import dev.quarry.QuarryDataException;
import dev.quarry.files.FileFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The header of a {@code .qvec} file, a {@link FileFormat} file (little-endian):
 *
 * <pre>
 * offset size field
 *      0    4 magic "QVEC"
 *      4    2 version: 2 (written); 1 (read: the same file without a footer)
 *      6    2 dtype: 0 = float32, 1 = float16 (reserved: this version neither writes nor maps it)
 *      8    4 dim
 *     12    8 count
 *     20    4 flags: bit 0 = every row L2-normalized, bit 1 = rows may hold NaN or infinity (kept by --allow-nan)
 *     24    4 CRC32C of bytes 0..23
 *     28 4068 zero
 *   4096      rows, row-major: the body
 *    end   16 footer (version 2): the rows' checksum ({@link FileFormat#footer})
 * </pre>
 *
 * The rows start page-aligned, so row 0 of a mapped file is aligned. The footer's checksum covers the
 * rows only (the header has its own CRC), so it is the same for a {@code .npy} and the {@code .qvec}
 * imported from it unchanged, and an index built on one accepts the other.
 *
 * @param version the file's version (1: no footer)
 * @param dim floats per row, at least 1
 * @param count number of rows
 * @param normalized whether every row has unit L2 norm
 * @param mayHoldNonFinite whether rows with NaN or infinity were kept
 * @param crc the header CRC (computed by {@link #encode()}, checked by {@link #decode})
 */
public record QvecHeader(int version, int dim, long count, boolean normalized, boolean mayHoldNonFinite, int crc) {
    /** Bytes before row 0. */
    public static final int SIZE = 4096;
    /** The version this code writes; it reads this one and version 1 (no footer). */
    public static final int VERSION = 2;
    /** The format: version 2 written, 1 read, the CRC over bytes 0..23. */
    public static final FileFormat FORMAT = new FileFormat("QVEC", "a .qvec vector store", VERSION, 1, 24, SIZE);
    static final byte[] MAGIC = FORMAT.magic().getBytes(StandardCharsets.US_ASCII);
    private static final int FLAG_NORMALIZED = 1;
    private static final int FLAG_NON_FINITE = 2;

    /** A header for new data; the CRC is filled in. */
    public static QvecHeader of(int dim, long count, boolean normalized) {
        return of(dim, count, normalized, false);
    }

    /** A header for new data that may hold non-finite rows; the CRC is filled in. */
    public static QvecHeader of(int dim, long count, boolean normalized, boolean mayHoldNonFinite) {
        return new QvecHeader(VERSION, dim, count, normalized, mayHoldNonFinite,
                sealed(dim, count, flags(normalized, mayHoldNonFinite)).getInt(FORMAT.checkedBytes()));
    }

    private static int flags(boolean normalized, boolean mayHoldNonFinite) {
        return (normalized ? FLAG_NORMALIZED : 0) | (mayHoldNonFinite ? FLAG_NON_FINITE : 0);
    }

    /** Bytes of rows the header announces. */
    public long dataBytes() {
        return count * dim * 4L;
    }

    /** Bytes after the rows: the footer of version 2 files. */
    public int footerBytes() {
        return version >= 2 ? FileFormat.FOOTER_BYTES : 0;
    }

    /** The 4096 header bytes (of version 2: this code writes no other). */
    public ByteBuffer encode() {
        if (version != VERSION) {
            throw new IllegalStateException("version " + version + ": this code writes version " + VERSION);
        }
        return sealed(dim, count, flags(normalized, mayHoldNonFinite));
    }

    private static ByteBuffer sealed(int dim, long count, int flags) {
        return FORMAT.sealHeader(FORMAT.startHeader().putShort((short) 0).putInt(dim).putLong(count).putInt(flags));
    }

    /**
     * Parses and checks a header: magic, version, CRC, dtype, dim and count.
     *
     * @param file named in errors
     * @param head at least the first 28 bytes of the file, little-endian
     */
    public static QvecHeader decode(Path file, ByteBuffer head) {
        ByteBuffer buf = FORMAT.readHeader(file, head, "re-import it with quarry import").bytes();
        int version = Short.toUnsignedInt(buf.getShort(4));
        int dtype = Short.toUnsignedInt(buf.getShort(6));
        int dim = buf.getInt(8);
        long count = buf.getLong(12);
        int flags = buf.getInt(20);
        if (dtype == 1) {
            throw new QuarryDataException(file, "dtype", "1 (float16)",
                    "0 (float32): this version maps float32 rows only; re-import the source without conversion");
        }
        if (dtype != 0) {
            throw new QuarryDataException(file, "dtype", dtype, "0 (float32)");
        }
        if (dim < 1) {
            throw new QuarryDataException(file, "dim", Integer.toUnsignedString(dim), "at least 1");
        }
        if (count < 0 || count > Long.MAX_VALUE / 4 / dim) {
            throw new QuarryDataException(file, "count", Long.toUnsignedString(count), "a row count that fits a file");
        }
        return new QvecHeader(version, dim, count, (flags & FLAG_NORMALIZED) != 0, (flags & FLAG_NON_FINITE) != 0,
                buf.getInt(FORMAT.checkedBytes()));
    }
}
