package dev.quarry.store;

import dev.quarry.QuarryDataException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The header of a {@code .qvec} file, little-endian:
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
 *   4096      rows, row-major
 *    end   16 footer (version 2): see {@link QvecFooter}
 * </pre>
 *
 * The rows start page-aligned, so row 0 of a mapped file is aligned.
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
    static final byte[] MAGIC = "QVEC".getBytes(StandardCharsets.US_ASCII);
    private static final int FLAG_NORMALIZED = 1;
    private static final int FLAG_NON_FINITE = 2;
    private static final int CHECKED_BYTES = 24;

    /** A header for new data; the CRC is filled in. */
    public static QvecHeader of(int dim, long count, boolean normalized) {
        return of(dim, count, normalized, false);
    }

    /** A header for new data that may hold non-finite rows; the CRC is filled in. */
    public static QvecHeader of(int dim, long count, boolean normalized, boolean mayHoldNonFinite) {
        return new QvecHeader(VERSION, dim, count, normalized, mayHoldNonFinite,
                crcOf(fields(VERSION, dim, count, flags(normalized, mayHoldNonFinite))));
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
        return version >= 2 ? QvecFooter.SIZE : 0;
    }

    /** The 4096 header bytes. */
    public ByteBuffer encode() {
        ByteBuffer buf = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(fields(version, dim, count, flags(normalized, mayHoldNonFinite)));
        buf.putInt(crc);
        return buf.clear();
    }

    private static byte[] fields(int version, int dim, long count, int flags) {
        ByteBuffer buf = ByteBuffer.allocate(CHECKED_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putShort((short) version).putShort((short) 0).putInt(dim).putLong(count)
                .putInt(flags);
        return buf.array();
    }

    private static int crcOf(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, CHECKED_BYTES);
        return (int) crc.getValue();
    }

    /**
     * Parses and checks a header: magic, version, dtype, dim, count and CRC.
     *
     * @param file named in errors
     * @param head at least the first 28 bytes of the file, little-endian
     */
    public static QvecHeader decode(Path file, ByteBuffer head) {
        ByteBuffer buf = head.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < CHECKED_BYTES + 4) {
            throw new QuarryDataException(file, "size", buf.remaining() + " bytes",
                    "at least a " + SIZE + "-byte .qvec header");
        }
        byte[] bytes = new byte[CHECKED_BYTES];
        buf.get(bytes);
        int storedCrc = buf.getInt();
        ByteBuffer fields = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[4];
        fields.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new QuarryDataException(file, "magic", printable(magic), "\"QVEC\" (is this a .qvec file?)");
        }
        int version = Short.toUnsignedInt(fields.getShort());
        int dtype = Short.toUnsignedInt(fields.getShort());
        int dim = fields.getInt();
        long count = fields.getLong();
        int flags = fields.getInt();
        int actualCrc = crcOf(bytes);
        if (actualCrc != storedCrc) {
            throw new QuarryDataException(file, "header crc", hex(storedCrc),
                    hex(actualCrc) + " computed from bytes 0..23 (the header is corrupt)");
        }
        if (version != 1 && version != VERSION) {
            throw new QuarryDataException(file, "version", version, "1 or " + VERSION + " (written by a newer Quarry?)");
        }
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
                storedCrc);
    }

    static String hex(int value) {
        return String.format("0x%08x", value);
    }

    private static String printable(byte[] bytes) {
        StringBuilder sb = new StringBuilder("\"");
        for (byte b : bytes) {
            sb.append(b >= 32 && b < 127 ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff));
        }
        return sb.append('"').toString();
    }
}
