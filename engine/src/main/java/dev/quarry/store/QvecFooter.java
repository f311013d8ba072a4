package dev.quarry.store;

import dev.quarry.QuarryDataException;
import dev.quarry.files.ContentChecksum;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The last 16 bytes of a version 2 {@code .qvec} file, little-endian: magic {@code QEND}, the
 * checksum algorithm (1 = {@link ContentChecksum} of the row bytes), and the checksum. Written once
 * by {@link QvecWriter} as the rows stream in; {@code quarry info --verify} recomputes it. The
 * checksum covers the rows only (the header has its own CRC), so it is the same for a {@code .npy}
 * and the {@code .qvec} imported from it unchanged, and an index built on one accepts the other.
 */
public final class QvecFooter {
    /** Bytes in the footer. */
    public static final int SIZE = 16;
    private static final byte[] MAGIC = "QEND".getBytes(StandardCharsets.US_ASCII);
    private static final int ALGORITHM = 1;

    private QvecFooter() {
    }

    /** The footer of rows whose checksum is {@code checksum}. */
    static ByteBuffer encode(long checksum) {
        return ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN).put(MAGIC).putInt(ALGORITHM)
                .putLong(checksum).flip();
    }

    /** The checksum a footer records, after checking its magic and algorithm. */
    static long decode(Path file, ByteBuffer footer) {
        ByteBuffer buf = footer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < SIZE) {
            throw new QuarryDataException(file, "footer", buf.remaining() + " bytes", SIZE + " bytes");
        }
        byte[] magic = new byte[4];
        buf.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new QuarryDataException(file, "footer magic", new String(magic, StandardCharsets.ISO_8859_1)
                    .replaceAll("[^ -~]", "?"), "\"QEND\" (the file is truncated or was not written by Quarry)");
        }
        int algorithm = buf.getInt();
        if (algorithm != ALGORITHM) {
            throw new QuarryDataException(file, "footer algorithm", Integer.toUnsignedString(algorithm),
                    ALGORITHM + " (written by a newer Quarry?)");
        }
        return buf.getLong();
    }
}
