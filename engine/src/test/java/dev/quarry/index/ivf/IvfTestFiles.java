package dev.quarry.index.ivf;

import dev.quarry.files.ContentChecksum;
import dev.quarry.files.FileFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Index files patched past their checks, so a test reaches the check it means: after a byte of the header
 * or body is changed, {@link #reseal} makes the header CRC and the footer's body checksum consistent again.
 */
final class IvfTestFiles {
    private IvfTestFiles() {
    }

    /** Rewrites the header CRC (at 72, or 76 in version 6) and the footer of an index whose bytes were patched. */
    static void reseal(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            CRC32C crc = new CRC32C();
            int checked = buf.getShort(4) == IvfHeader.VERSION_PQ ? 76 : 72;
            crc.update(bytes, 0, checked);
            buf.putInt(checked, (int) crc.getValue());
            int footer = bytes.length - FileFormat.FOOTER_BYTES;
            long body = new ContentChecksum().update(ByteBuffer.wrap(bytes, IvfHeader.SIZE, footer - IvfHeader.SIZE))
                    .value();
            buf.put(footer, FileFormat.footer(body), 0, FileFormat.FOOTER_BYTES);
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
