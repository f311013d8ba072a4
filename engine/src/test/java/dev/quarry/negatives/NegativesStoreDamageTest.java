package dev.quarry.negatives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.testing.TestFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store damaged on disk is an error, never a wrong answer: a damaged entry is refused naming its anchor, a
 * store cut short or holding other entries than it was closed with is refused with the numbers.
 */
class NegativesStoreDamageTest {
    @TempDir
    Path dir;

    private Path storeOf(int anchors) {
        Path file = dir.resolve("neg.cmap");
        try (NegativesStore store = NegativesStore.open(file, anchors)) {
            for (int i = 0; i < anchors; i++) {
                store.put("q" + i, NegativesStoreTest.expected(i, 8));
            }
        }
        return file;
    }

    /** Where {@code text} first appears in the file. */
    private static int find(byte[] bytes, String text) {
        int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf(text);
        assertTrue(at >= 0, text + " is in the file");
        return at;
    }

    @Test
    void aDamagedEntryIsAnErrorNamingItsAnchorNeverAWrongId() throws IOException {
        Path file = storeOf(2_000);
        byte[] bytes = Files.readAllBytes(file);
        // Anchor q700's third negative is doc21702 ("doc" + 700 x 31 + 2): two of its digits changed in place.
        int at = find(bytes, "doc21702");
        TestFiles.poke(file, at + 4, '9');
        TestFiles.poke(file, at + 5, '9');
        try (NegativesStore store = NegativesStore.open(file, 10)) {
            QuarryDataException e = assertThrows(QuarryDataException.class, () -> store.get("q700"));
            assertEquals(file + ": entry of anchor 'q700'=bytes that do not match the entry's checksum, expected an"
                    + " entry as NegativesStore writes it (the store is damaged: put the anchor's negatives again,"
                    + " mining it again, to replace the entry)", e.getMessage());
            assertEquals(NegativesStoreTest.expected(699, 8), store.get("q699"), "the other entries read as they were");
            store.put("q700", NegativesStoreTest.expected(700, 8));
            assertEquals(NegativesStoreTest.expected(700, 8), store.get("q700"), "a put replaces the damaged entry");
        }
    }

    @Test
    void randomFlipsAmongTheEntriesNeverGiveAWrongAnswer() throws IOException {
        int anchors = 2_000;
        Path file = storeOf(anchors);
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int first = Integer.MAX_VALUE;
        int last = 0;
        for (int i = 0; i < anchors; i += 10) { // the span of the entries, from the ids found in them
            int value = text.indexOf("doc" + (i * 31 + 7));
            first = Math.min(first, value - 64);
            last = Math.max(last, value + 12);
        }
        SplittableRandom random = new SplittableRandom(24);
        for (int flip = 0; flip < 200; flip++) {
            TestFiles.flip(file, random.nextInt(first, last));
        }
        int wrong = 0;
        int refused = 0;
        int absent = 0;
        try (NegativesStore store = NegativesStore.open(file, 10)) {
            for (int i = 0; i < anchors; i++) {
                try {
                    StoredNegatives got = store.get("q" + i);
                    if (got == null) {
                        absent++; // a damaged key no longer matches: the anchor reads as never mined
                    } else if (!got.equals(NegativesStoreTest.expected(i, 8))) {
                        wrong++;
                    }
                } catch (QuarryDataException e) {
                    assertTrue(e.getMessage().startsWith(file + ": entry of anchor 'q" + i + "'="), e.getMessage());
                    refused++;
                }
            }
        }
        assertEquals(0, wrong, "entries silently wrong (" + refused + " refused, " + absent + " absent)");
        assertTrue(refused > 20, refused + " entries refused: the flips landed among the entries");
    }

    @Test
    void aStoreCutShortIsRefusedWithTheNumbersNotRecovered() throws IOException {
        Path file = storeOf(2_000);
        long size = Files.size(file);
        TestFiles.truncate(file, size / 2);
        QuarryDataException clean = assertThrows(QuarryDataException.class, () -> NegativesStore.open(file, 10));
        assertEquals(file + ": size=" + size / 2 + " bytes, expected at least " + size + " bytes, its size when Quarry"
                + " last opened or closed it, holding 2000 entries (the file was cut: restore it, or mine into a new"
                + " store; if it was replaced by an older copy on purpose, delete neg.cmap.quarry-users)",
                clean.getMessage());
        // As if a process had died with the store open: the open would recover it, and must not.
        writeUsers(file, 1);
        QuarryDataException dirty = assertThrows(QuarryDataException.class, () -> NegativesStore.open(file, 10));
        assertEquals(clean.getMessage(), dirty.getMessage());
        assertEquals(size / 2, Files.size(file), "the file is left as it was, not extended");
    }

    @Test
    void aStoreCutShortWithoutItsRecordIsStillRefused() throws IOException {
        Path file = storeOf(2_000);
        long size = Files.size(file);
        TestFiles.truncate(file, size / 2);
        Files.delete(StoreUsers.fileOf(file)); // unknown: the open would recover the store
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> NegativesStore.open(file, 10));
        assertTrue(e.getMessage().startsWith(file + ": file=cannot be opened as a store, expected"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected length " + size / 2), e.getMessage());
        assertEquals(size / 2, Files.size(file), "the file is left as it was, not extended");
    }

    @Test
    void aStoreHoldingOtherEntriesThanItWasClosedWithIsRefused() throws IOException {
        Path file = dir.resolve("neg.cmap");
        try (NegativesStore store = NegativesStore.open(file, 2_000)) {
            for (int i = 0; i < 100; i++) {
                store.put("q" + i, NegativesStoreTest.expected(i, 8));
            }
        }
        Path copy = Files.copy(file, dir.resolve("copy.cmap"));
        try (NegativesStore store = NegativesStore.open(file, 2_000)) {
            for (int i = 100; i < 150; i++) {
                store.put("q" + i, NegativesStoreTest.expected(i, 8));
            }
        }
        Files.copy(copy, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING); // an older copy, same size
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> NegativesStore.open(file, 10));
        assertEquals(file + ": entries=100, expected 150, the entries it held when Quarry last closed it, and no"
                + " process has opened it since (the file was changed or damaged: restore it, or mine into a new"
                + " store; if it was replaced by an older copy on purpose, delete neg.cmap.quarry-users)",
                e.getMessage());
        Files.delete(StoreUsers.fileOf(file)); // on purpose, then: the next open checks every entry and takes it
        try (NegativesStore store = NegativesStore.open(file, 10)) {
            assertEquals(100, store.size());
            assertTrue(store.recovered());
        }
        try (NegativesStore store = NegativesStore.open(file, 10)) {
            assertFalse(store.recovered(), "closed cleanly since");
        }
    }

    @Test
    void aDamagedUsersFileIsNamedWithWhatToDo() throws IOException {
        Path file = storeOf(10);
        TestFiles.flip(StoreUsers.fileOf(file), 20);
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> NegativesStore.open(file, 10));
        assertTrue(e.getMessage().startsWith(StoreUsers.fileOf(file) + ": record=damaged (header crc="), e.getMessage());
        assertTrue(e.getMessage().endsWith("delete it when no process has the store open, and the next open recovers"
                + " the store, checking every entry"), e.getMessage());
    }

    /** Records {@code users} processes with the store open, the rest of the record kept. */
    private static void writeUsers(Path store, long users) throws IOException {
        Path file = StoreUsers.fileOf(store);
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(8, users);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, 0, 32);
        buf.putInt(32, (int) crc.getValue());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), 0);
        }
    }
}
