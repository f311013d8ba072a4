package dev.quarry.negatives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store's header read with Chronicle's tokeniser: a store written before the header was read this way (the
 * checked-in {@code store-format1.cmap}, holding anchor {@code q} with negative {@code d1} at 0.5, index version
 * 1) still opens and reads; the fields are found whatever their layout; anything else is refused by name.
 */
class StoreHeaderTest {
    @TempDir
    Path dir;

    @Test
    void aStoreWrittenByTheEarlierHeaderReaderStillOpens() throws IOException {
        Path file = dir.resolve("old.cmap");
        try (InputStream in = new GZIPInputStream(resource("store-format1.cmap.gz"))) {
            Files.write(file, in.readAllBytes());
        }
        try (InputStream in = resource("store-format1.cmap.quarry-users")) {
            Files.write(StoreUsers.fileOf(file), in.readAllBytes());
        }
        assertEquals(StoreHeader.State.READY, StoreHeader.check(file, Files.size(file)));
        try (NegativesStore store = NegativesStore.open(file, 10)) {
            assertEquals(1, store.size());
            StoredNegatives q = store.get("q");
            assertNotNull(q);
            assertArrayEquals(new String[] {"d1"}, q.ids());
            assertArrayEquals(new float[] {0.5f}, q.scores());
            assertEquals(1, q.indexVersion());
            assertFalse(store.recovered());
        }
    }

    @Test
    void readsTheValueFieldsOfAHeader() {
        StoreHeader.MapHeader h = StoreHeader.MapHeader.read(header("QuarryStoredNegatives",
                "!QuarryNegatives {\n    formatVersion: 1\n  }"));
        assertNotNull(h);
        assertEquals("QuarryStoredNegatives", h.valueClass);
        assertEquals("QuarryNegatives", h.valueReader);
        assertEquals("1", h.formatVersion);
        StoreHeader.MapHeader other = StoreHeader.MapHeader.read(header("byte[]",
                "!net.openhft.chronicle.hash.serialization.impl.ByteArraySizedReader {\n  }"));
        assertNotNull(other);
        assertEquals("byte[]", other.valueClass);
        assertNull(other.formatVersion, "the nested accessors' formatVersion is not the value reader's");
    }

    @Test
    void refusesAHeaderThatIsNotAChronicleMapping() {
        assertNull(StoreHeader.MapHeader.read("!net.openhft.chronicle.map.VanillaChronicleMap {\n  valueClass: !type X,\n"));
        assertNull(StoreHeader.MapHeader.read("!something.Else {\n}\n"));
        assertNull(StoreHeader.MapHeader.read("\u0000\u0001garbage {{{ ]] :: !!"));
    }

    @Test
    void aStoreWithAnotherReaderIsRefusedNamingItsValues() throws IOException {
        Path file = dir.resolve("x.cmap");
        byte[] text = header("byte[]", "!net.openhft.chronicle.hash.serialization.impl.ByteArraySizedReader {\n  }")
                .getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(12 + text.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0).putInt(text.length).put(text);
        Files.write(file, b.array());
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> StoreHeader.check(file, Files.size(file)));
        assertTrue(e.getMessage().startsWith(file + ": values=a Chronicle Map of byte[], expected a negatives store"),
                e.getMessage());
    }

    /** A header as Chronicle Map writes it, cut to the fields that matter here (in its order). */
    private static String header(String valueClass, String valueReader) {
        return "!net.openhft.chronicle.map.VanillaChronicleMap {\n"
                + "  dataFileVersion: \"2026.1\",\n"
                + "  keyClass: !type String,\n"
                + "  keyReader: !net.openhft.chronicle.hash.serialization.impl.StringSizedReader {\n  },\n"
                + "  actualSegments: 1,\n"
                + "  valueClass: !type " + valueClass + ",\n"
                + "  valueReader: " + valueReader + ",\n"
                + "  valueDataAccess: !net.openhft.chronicle.hash.serialization.impl.SizedMarshallableDataAccess {\n"
                + "    tClass: !type " + valueClass + ",\n"
                + "    sizedReader: !QuarryNegatives { formatVersion: 7 },\n"
                + "    sizedWriter: !QuarryNegatives { formatVersion: 7 }\n"
                + "  },\n"
                + "  maxBloatFactor: 4.0\n"
                + "}\n";
    }

    private static InputStream resource(String name) {
        InputStream in = StoreHeaderTest.class.getResourceAsStream(name);
        assertNotNull(in, name);
        return in;
    }
}
