package dev.quarry.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quarry.QuarryDataException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The codec every Quarry file shares: a header that passes, and each way one can fail, named. */
class FileFormatTest {
    private static final FileFormat FORMAT = new FileFormat("QTST", "a test file", 3, 2, 14, 64);
    private static final Path FILE = Path.of("x.qtst");

    private static ByteBuffer header() {
        return FORMAT.sealHeader(FORMAT.startHeader().putInt(7).putInt(-9));
    }

    private static String refusal(ByteBuffer head) {
        return assertThrows(QuarryDataException.class, () -> FORMAT.readHeader(FILE, head, "rebuild it with X"))
                .getMessage();
    }

    @Test
    void aSealedHeaderReadsBackWithItsFields() {
        ByteBuffer head = header();
        assertEquals(64, head.remaining());
        FileFormat.Header read = FORMAT.readHeader(FILE, head, "unused");
        assertEquals(3, read.version());
        assertEquals(7, read.bytes().getInt(6));
        assertEquals(-9, read.bytes().getInt(10));
        assertEquals(ByteOrder.LITTLE_ENDIAN, read.bytes().order());
        assertEquals(0, head.position(), "the caller's buffer is not moved");
    }

    @Test
    void eachDamagedPartOfTheHeaderIsNamed() {
        ByteBuffer magic = header().put(1, (byte) 'X');
        assertEquals("x.qtst: magic=\"QXST\", expected \"QTST\" (is this a test file?)", refusal(magic));

        ByteBuffer crc = header().put(9, (byte) 1);
        CRC32C actual = new CRC32C();
        actual.update(crc.array(), 0, 14);
        assertEquals("x.qtst: header crc=" + FileFormat.hex32(crc.getInt(14)) + ", expected "
                + FileFormat.hex32((int) actual.getValue()) + " computed from bytes 0..13 (the header is corrupt)",
                refusal(crc));

        ByteBuffer newer = header().putShort(4, (short) 4);
        assertEquals("x.qtst: version=4, expected 2 to 3 (written by a newer Quarry, or the header is damaged)",
                refusal(newer));

        ByteBuffer older = header().putShort(4, (short) 1);
        assertEquals("x.qtst: version=1, expected 2 to 3 (a test file written by an older Quarry: rebuild it with X)",
                refusal(older));

        assertEquals("x.qtst: size=10 bytes, expected at least a 64-byte header of a test file (truncated?)",
                refusal(header().limit(10)));
        assertEquals("x.qtst: size=2 bytes, expected at least a 64-byte header of a test file (truncated?)",
                refusal(header().limit(2)));
    }

    @Test
    void theFooterRecordsTheBodysChecksumAndRefusesAnotherOrAForeignTail() {
        ByteBuffer footer = FileFormat.footer(0x1234_5678_9abc_def0L);
        assertEquals(FileFormat.FOOTER_BYTES, footer.remaining());
        assertEquals(0x1234_5678_9abc_def0L, FORMAT.readFooter(FILE, footer));

        ByteBuffer foreign = FileFormat.footer(1).put(0, (byte) 'X');
        assertEquals("x.qtst: footer magic=XEND, expected \"QEND\" (the file is truncated or was not written by"
                + " Quarry)", assertThrows(QuarryDataException.class, () -> FORMAT.readFooter(FILE, foreign))
                .getMessage());
        ByteBuffer algorithm = FileFormat.footer(1).putInt(4, 2);
        assertEquals("x.qtst: footer algorithm=2, expected 1 (written by a newer Quarry?)",
                assertThrows(QuarryDataException.class, () -> FORMAT.readFooter(FILE, algorithm)).getMessage());

        FileFormat.checkBody(FILE, 5, 5, "the rows", "unused");
        assertEquals("x.qtst: footer checksum=0x0000000000000005, expected 0x0000000000000006 computed from the rows"
                + " (the file is damaged, or changed after it was written: re-import it)",
                assertThrows(QuarryDataException.class, () -> FileFormat.checkBody(FILE, 5, 6, "the rows",
                        "re-import it")).getMessage());
    }

    @Test
    void aDeclarationThatCannotHoldItsCrcIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FileFormat("QTS", "short magic", 1, 1, 6, 64));
        assertThrows(IllegalArgumentException.class, () -> new FileFormat("QTST", "no room", 1, 1, 62, 64));
        assertThrows(IllegalArgumentException.class, () -> new FileFormat("QTST", "versions", 1, 2, 6, 64));
        assertThrows(IllegalStateException.class,
                () -> FORMAT.sealHeader(FORMAT.startHeader().putLong(1).putLong(2)));
    }
}
