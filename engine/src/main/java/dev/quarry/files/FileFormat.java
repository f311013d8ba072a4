package dev.quarry.files;

import dev.quarry.QuarryDataException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * One binary format Quarry writes, and the codec every such file shares (after Lucene's
 * {@code CodecUtil}): a header that says what the file is and carries its own CRC, a body, and a
 * footer holding the body's checksum. Each format declares itself once here; its header fields, and
 * what its body holds, stay with the format's own class.
 *
 * <pre>
 * header, little-endian, {@code headerBytes} in all (zero after the CRC):
 *   0  4  magic: four ASCII letters, the format's name on disk (QVEC, QIVF, QIDX, QCKP, QNSU)
 *   4  2  version
 *   6     the format's fields
 *   C  4  CRC32C of bytes 0..C-1, C = {@code checkedBytes} (fixed per format)
 * body: the bytes between the header and the footer
 * footer, the last {@value #FOOTER_BYTES} bytes ({@link #footer}):
 *   0  4  "QEND"
 *   4  4  algorithm: 1 = {@link ContentChecksum} (CRC32C and CRC32, 64 bits)
 *   8  8  the checksum of the body
 * </pre>
 *
 * The magic is the format's name: one per format, so a file says what it is in its first four bytes
 * (as {@code file(1)} reads them), and a file given where another format belongs is named as such.
 * Every check names the file, the field and what was expected: a header from a newer Quarry, an older
 * version this one no longer reads (with the command that rebuilds it), a damaged header, a missing or
 * foreign footer, a body whose checksum differs from the footer's. Immutable; thread-safe.
 *
 * @param magic four ASCII letters
 * @param description what such a file is, for messages: {@code a .qivf index}
 * @param version the version written
 * @param oldestVersion the oldest version still read
 * @param checkedBytes bytes covered by the header CRC (the CRC sits right after them)
 * @param headerBytes bytes of the whole header, where the body starts
 */
public record FileFormat(String magic, String description, int version, int oldestVersion, int checkedBytes,
                         int headerBytes) {
    /** Bytes in the footer. */
    public static final int FOOTER_BYTES = 16;

    /** Where the format's own fields start in the header. */
    public static final int FIELDS_AT = 6;

    private static final byte[] FOOTER_MAGIC = "QEND".getBytes(StandardCharsets.US_ASCII);
    private static final int ALGORITHM = 1;

    /** Checks the declaration. */
    public FileFormat {
        if (magic.length() != 4 || !magic.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
            throw new IllegalArgumentException("magic=" + magic + ", expected four capital ASCII letters");
        }
        if (oldestVersion < 1 || version < oldestVersion || version > 0xffff || checkedBytes < FIELDS_AT
                || checkedBytes + 4 > headerBytes) {
            throw new IllegalArgumentException(magic + ": versions " + oldestVersion + ".." + version + ", checked "
                    + checkedBytes + " of " + headerBytes + " header bytes");
        }
    }

    /** A header of this format being written: magic and version in place, the buffer at the first field. */
    public ByteBuffer startHeader() {
        return ByteBuffer.allocate(headerBytes).order(ByteOrder.LITTLE_ENDIAN)
                .put(magic.getBytes(StandardCharsets.US_ASCII)).putShort((short) version);
    }

    /**
     * Seals a header from {@link #startHeader} whose fields are written: the CRC of its first
     * {@code checkedBytes} goes after them. Returns the whole header, ready to write.
     */
    public ByteBuffer sealHeader(ByteBuffer header) {
        if (header.position() > checkedBytes) {
            throw new IllegalStateException(magic + ": fields take " + header.position() + " bytes, the CRC is at "
                    + checkedBytes);
        }
        header.putInt(checkedBytes, crcOf(header, checkedBytes));
        return header.clear();
    }

    /**
     * Reads and checks a header: size, magic, version and CRC, in that order (the version before the CRC:
     * an older version may check other bytes, and should be told to rebuild, not that it is damaged).
     *
     * @param file named in errors
     * @param head the file's first bytes (at least {@code checkedBytes + 4} of them, or an error says the file
     *             is too short)
     * @param olderRemedy what to do with a version older than {@code oldestVersion}, e.g. {@code rebuild it
     *                    with quarry index build ...}
     * @return the header's bytes, little-endian, read with absolute gets at the fields' offsets
     */
    public Header readHeader(Path file, ByteBuffer head, String olderRemedy) {
        ByteBuffer buf = head.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 4 || !magicOf(buf).equals(magic)) {
            if (buf.remaining() < 4) {
                throw new QuarryDataException(file, "size", buf.remaining() + " bytes", "at least a " + headerBytes
                        + "-byte header of " + description + " (truncated?)");
            }
            throw new QuarryDataException(file, "magic", "\"" + magicOf(buf) + "\"", "\"" + magic + "\" (is this "
                    + description + "?)");
        }
        if (buf.remaining() < checkedBytes + 4) {
            throw new QuarryDataException(file, "size", buf.remaining() + " bytes", "at least a " + headerBytes
                    + "-byte header of " + description + " (truncated?)");
        }
        int found = Short.toUnsignedInt(buf.getShort(4));
        if (found > version) {
            throw new QuarryDataException(file, "version", found, versions() + " (written by a newer Quarry, or the"
                    + " header is damaged)");
        }
        if (found < oldestVersion) {
            throw new QuarryDataException(file, "version", found, versions() + " (" + description + " written by an"
                    + " older Quarry: " + olderRemedy + ")");
        }
        int stored = buf.getInt(checkedBytes);
        int actual = crcOf(buf, checkedBytes);
        if (stored != actual) {
            throw new QuarryDataException(file, "header crc", hex32(stored), hex32(actual) + " computed from bytes 0.."
                    + (checkedBytes - 1) + " (the header is corrupt)");
        }
        return new Header(found, buf);
    }

    /** The footer of a body whose checksum ({@link ContentChecksum}) is {@code checksum}. */
    public static ByteBuffer footer(long checksum) {
        return ByteBuffer.allocate(FOOTER_BYTES).order(ByteOrder.LITTLE_ENDIAN).put(FOOTER_MAGIC).putInt(ALGORITHM)
                .putLong(checksum).flip();
    }

    /**
     * The body checksum a footer records, after checking its magic and algorithm.
     *
     * @param tail the file's last {@value #FOOTER_BYTES} bytes
     */
    public long readFooter(Path file, ByteBuffer tail) {
        ByteBuffer buf = tail.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < FOOTER_BYTES) {
            throw new QuarryDataException(file, "footer", buf.remaining() + " bytes", FOOTER_BYTES + " bytes");
        }
        byte[] found = new byte[4];
        buf.get(0, found);
        if (!Arrays.equals(found, FOOTER_MAGIC)) {
            throw new QuarryDataException(file, "footer magic", new String(found, StandardCharsets.ISO_8859_1)
                    .replaceAll("[^ -~]", "?"), "\"QEND\" (the file is truncated or was not written by Quarry)");
        }
        int algorithm = buf.getInt(4);
        if (algorithm != ALGORITHM) {
            throw new QuarryDataException(file, "footer algorithm", Integer.toUnsignedString(algorithm),
                    ALGORITHM + " (written by a newer Quarry?)");
        }
        return buf.getLong(8);
    }

    /**
     * Fails unless the checksum computed from the body equals the one its footer records.
     *
     * @param what the bytes it was computed from, for the message: {@code the rows}, {@code bytes 4096..9000}
     * @param remedy what to do about a damaged file: {@code re-import the source}
     */
    public static void checkBody(Path file, long recorded, long computed, String what, String remedy) {
        if (recorded != computed) {
            throw new QuarryDataException(file, "footer checksum", ContentChecksum.hex(recorded),
                    ContentChecksum.hex(computed) + " computed from " + what + " (the file is damaged, or changed"
                            + " after it was written: " + remedy + ")");
        }
    }

    private String versions() {
        return oldestVersion == version ? String.valueOf(version) : oldestVersion + " to " + version;
    }

    private static int crcOf(ByteBuffer buf, int length) {
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate().clear().limit(length));
        return (int) crc.getValue();
    }

    private static String magicOf(ByteBuffer buf) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(4, buf.remaining()); i++) {
            int b = buf.get(i) & 0xff;
            sb.append(b >= 32 && b < 127 ? String.valueOf((char) b) : String.format(Locale.ROOT, "\\x%02x", b));
        }
        return sb.toString();
    }

    /** {@code 0x} and 8 hex digits. */
    public static String hex32(int value) {
        return String.format(Locale.ROOT, "0x%08x", value);
    }

    /**
     * A header that passed {@link #readHeader}.
     *
     * @param version the file's version
     * @param bytes the header, little-endian, for absolute reads at the fields' offsets
     */
    public record Header(int version, ByteBuffer bytes) {
    }
}
