package dev.quarry.negatives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A negatives store in one process: round trips, ids, bounds, reopening, and files that are not stores. */
class NegativesStoreTest {
    @TempDir
    Path dir;

    /** The negatives every test writes for anchor {@code i}: deterministic, so a reader can check them. */
    static StoredNegatives expected(long i, int count) {
        String[] ids = new String[count];
        float[] scores = new float[count];
        for (int j = 0; j < count; j++) {
            ids[j] = "doc" + (i * 31 + j);
            scores[j] = 0.9f - j * 0.01f + i * 1e-6f;
        }
        return new StoredNegatives(ids, scores, i % 5, 1_700_000_000_000L + i);
    }

    @Test
    void putThenGetGivesTheSameNegatives() {
        try (NegativesStore store = NegativesStore.open(dir.resolve("neg.cmap"), 100)) {
            StoredNegatives n = new StoredNegatives(new String[] {"doc1", "doc22", "doc333"},
                    new float[] {0.9f, 0.5f, Float.NaN}, 7, 1_234_567L);
            store.put("q1", n);
            StoredNegatives back = store.get("q1");
            assertEquals(n, back);
            assertArrayEquals(new String[] {"doc1", "doc22", "doc333"}, back.ids());
            assertEquals(7, back.indexVersion());
            assertEquals(1_234_567L, back.epochMillis());
            assertNull(store.get("q2"), "an anchor never put is absent");
            assertEquals(1, store.size());
        }
    }

    @Test
    void putReplacesAnAnchorsNegatives() {
        try (NegativesStore store = NegativesStore.open(dir.resolve("neg.cmap"), 100)) {
            store.put("q", expected(1, 8));
            store.put("q", expected(2, 3));
            assertEquals(expected(2, 3), store.get("q"));
            assertEquals(1, store.size());
        }
    }

    @Test
    void anAnchorWithNoNegativesIsStoredAsSuch() {
        try (NegativesStore store = NegativesStore.open(dir.resolve("neg.cmap"), 100)) {
            store.put("lonely", new StoredNegatives(new String[0], new float[0], 0, 5));
            assertEquals(0, store.get("lonely").size());
        }
    }

    @Test
    void keepsUnicodeIdsExactly() {
        List<String> ids = List.of("查询-𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "é", "e\u0301", "😀 emoji", "עברית\u200f", "tab\there", "nul\u0000inside",
                "Ω".repeat(510), "𝄞".repeat(255));
        try (NegativesStore store = NegativesStore.open(dir.resolve("neg.cmap"), 100)) {
            for (String id : ids) {
                store.put(id, new StoredNegatives(new String[] {id, id + "-neg"}, new float[] {1, 2}, 0, 0));
            }
            assertEquals(ids.size(), store.size(), "é precomposed and e + combining accent are two ids");
            for (String id : ids) {
                assertArrayEquals(new String[] {id, id + "-neg"}, store.get(id).ids(), id);
            }
        }
    }

    @Test
    void refusesValuesBeyondTheBounds() {
        String[] tooMany = new String[StoredNegatives.MAX_NEGATIVES + 1];
        Arrays.fill(tooMany, "d");
        QuarryUsageException many = assertThrows(QuarryUsageException.class,
                () -> new StoredNegatives(tooMany, new float[tooMany.length], 0, 0));
        assertEquals("ids=1025 negatives, expected at most 1024 negatives per anchor", many.getMessage());

        String longId = "x".repeat(StoredNegatives.MAX_ID_BYTES + 1);
        assertEquals("ids[0]", assertThrows(QuarryUsageException.class,
                () -> new StoredNegatives(new String[] {longId}, new float[1], 0, 0)).field());
        // 512 two-byte characters are exactly 1 KB; one more is not.
        new StoredNegatives(new String[] {"é".repeat(512)}, new float[1], 0, 0);
        QuarryUsageException wide = assertThrows(QuarryUsageException.class,
                () -> new StoredNegatives(new String[] {"é".repeat(513)}, new float[1], 0, 0));
        assertTrue(wide.getMessage().contains("(it takes 1026)"), wide.getMessage());

        assertTrue(assertThrows(QuarryUsageException.class,
                () -> new StoredNegatives(new String[] {"a\uD800b"}, new float[1], 0, 0)).getMessage()
                .contains("unpaired surrogate at char 1"));
        assertEquals("ids[1]=null, expected an id", assertThrows(QuarryUsageException.class,
                () -> new StoredNegatives(new String[] {"a", null}, new float[2], 0, 0)).getMessage());
        assertEquals("ids[0]='', expected a non-empty id", assertThrows(QuarryUsageException.class,
                () -> new StoredNegatives(new String[] {""}, new float[1], 0, 0)).getMessage());
        assertEquals("scores=1 values, expected one score per id (2 ids)", assertThrows(QuarryUsageException.class,
                () -> new StoredNegatives(new String[] {"a", "b"}, new float[1], 0, 0)).getMessage());

        // 1,024 ids of 58 bytes pass the id bounds but not the entry's.
        String[] wideIds = new String[StoredNegatives.MAX_NEGATIVES];
        for (int i = 0; i < wideIds.length; i++) {
            wideIds[i] = String.format("%058d", i);
        }
        QuarryUsageException big = assertThrows(QuarryUsageException.class,
                () -> new StoredNegatives(wideIds, new float[wideIds.length], 0, 0));
        assertTrue(big.getMessage().startsWith("ids=1024 ids taking 65554 bytes, expected at most 65536 bytes"),
                big.getMessage());

        try (NegativesStore store = NegativesStore.open(dir.resolve("neg.cmap"), 100)) {
            assertEquals("anchorId", assertThrows(QuarryUsageException.class,
                    () -> store.put("y".repeat(1025), expected(0, 1))).field());
            assertEquals("anchorId", assertThrows(QuarryUsageException.class, () -> store.get(null)).field());
            assertEquals("negatives", assertThrows(QuarryUsageException.class, () -> store.put("q", null)).field());
            assertEquals(0, store.size());
        }
    }

    @Test
    void theLargestValueWithinTheBoundsFitsTheSmallestStore() {
        String[] ids = new String[StoredNegatives.MAX_NEGATIVES];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = String.format("%057d", i); // 1,024 ids of 57 bytes: 64,530 bytes encoded
        }
        StoredNegatives largest = new StoredNegatives(ids, new float[ids.length], 3, 4);
        try (NegativesStore store = NegativesStore.open(dir.resolve("neg.cmap"), 1)) {
            String anchor = "a".repeat(StoredNegatives.MAX_ID_BYTES);
            store.put(anchor, largest);
            store.put("b", largest);
            assertEquals(largest, store.get(anchor));
            assertEquals(largest, store.get("b"));
        }
    }

    @Test
    void reopeningAfterCloseKeepsEveryEntry() {
        Path file = dir.resolve("neg.cmap");
        try (NegativesStore store = NegativesStore.open(file, 20_000)) {
            for (int i = 0; i < 20_000; i++) {
                store.put("q" + i, expected(i, 8));
            }
        }
        try (NegativesStore store = NegativesStore.open(file, 5)) {
            assertFalse(store.recovered(), "a store closed cleanly opens without recovery");
            assertEquals(20_000, store.size());
            for (int i = 0; i < 20_000; i++) {
                assertEquals(expected(i, 8), store.get("q" + i), "q" + i);
            }
            Map<String, StoredNegatives> some = store.getAll(List.of("q5", "absent", "q3"));
            assertEquals(List.of("q5", "q3"), new ArrayList<>(some.keySet()), "found ones, in the order asked");
            assertEquals(expected(3, 8), some.get("q3"));
        }
    }

    @Test
    void opensOfOneFileInAProcessShareOneMap() {
        Path file = dir.resolve("neg.cmap");
        NegativesStore first = NegativesStore.open(file, 100);
        try (NegativesStore second = NegativesStore.open(dir.resolve(".").resolve("neg.cmap"), 100)) {
            first.put("q", expected(1, 2));
            assertEquals(expected(1, 2), second.get("q"));
            first.close();
            first.close(); // twice is harmless
            assertEquals(expected(1, 2), second.get("q"), "the other handle still works");
            IllegalStateException closed = assertThrows(IllegalStateException.class, () -> first.get("q"));
            assertTrue(closed.getMessage().endsWith("neg.cmap is closed"), closed.getMessage());
        }
    }

    @Test
    void manyThreadsPutAndGetAtOnce() throws Exception {
        try (NegativesStore store = NegativesStore.open(dir.resolve("neg.cmap"), 10_000);
             ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = thread; i < 8_000; i += 4) {
                        store.put("q" + i, expected(i, 8));
                        assertEquals(expected(i, 8), store.get("q" + i));
                        StoredNegatives other = store.get("q" + (i ^ 1));
                        assertTrue(other == null || other.equals(expected(i ^ 1, 8)));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            assertEquals(8_000, store.size());
        }
    }

    @Test
    void aFullStoreSaysSoNamingTheFile() {
        Path file = dir.resolve("neg.cmap");
        try (NegativesStore store = NegativesStore.open(file, 1)) {
            QuarryDataException full = assertThrows(QuarryDataException.class, () -> {
                for (int i = 0; i < 100_000; i++) {
                    store.put("q" + i, expected(i, 8));
                }
            });
            assertTrue(full.getMessage().startsWith(file + ": entries="), full.getMessage());
            assertTrue(full.getMessage().contains("the store is full"), full.getMessage());
            assertTrue(store.size() >= NegativesStore.MIN_CAPACITY, "it holds at least what it was sized for: "
                    + store.size());
        }
    }

    @Test
    void refusesFilesThatAreNotStoresAtOnceNamingTheFile() throws IOException {
        byte[] random = new byte[5000];
        new java.util.Random(3).nextBytes(random);
        Path garbage = Files.write(dir.resolve("garbage.bin"), random);
        Path text = Files.writeString(dir.resolve("mined.jsonl"), "{\"query\": \"q\", \"pos\": [], \"neg\": []}\n");
        Path tiny = Files.write(dir.resolve("tiny"), new byte[] {1, 2, 3});
        Path qvec = Files.write(dir.resolve("corpus.qvec"), Arrays.copyOf("QVEC".getBytes(StandardCharsets.US_ASCII), 8192));
        for (Path p : List.of(garbage, text, tiny, qvec)) {
            QuarryDataException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> assertThrows(QuarryDataException.class, () -> NegativesStore.open(p, 10)));
            assertTrue(e.getMessage().startsWith(p + ": file="), e.getMessage());
            assertTrue(e.getMessage().contains("expected a negatives store"), e.getMessage());
            assertEquals(List.of(), leftovers(p), "a refused file is left as it was, and nothing is held");
        }
        assertArrayEquals(random, Files.readAllBytes(garbage));
        assertTrue(assertThrows(QuarryDataException.class, () -> NegativesStore.open(dir, 10)).getMessage()
                .contains(": output=a directory, expected a regular file or a new path"));
    }

    @Test
    void refusesAChronicleMapOfOtherValues() throws IOException {
        Path other = dir.resolve("other.cmap");
        try (var map = net.openhft.chronicle.map.ChronicleMap.of(String.class, byte[].class).entries(10)
                .averageKeySize(4).averageValueSize(4).createPersistedTo(other.toFile())) {
            map.put("k", new byte[] {1});
        }
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> NegativesStore.open(other, 10));
        assertTrue(e.getMessage().startsWith(other + ": values=a Chronicle Map of byte[], expected a negatives store"),
                e.getMessage());
    }

    @Test
    void refusesAStoreOfAnotherFormatVersion() throws IOException {
        Path file = dir.resolve("neg.cmap");
        try (NegativesStore store = NegativesStore.open(file, 10)) {
            store.put("q", expected(1, 1));
        }
        byte[] bytes = Files.readAllBytes(file);
        String head = new String(bytes, 0, 4096, StandardCharsets.ISO_8859_1);
        int at = head.indexOf("formatVersion: 1");
        assertTrue(at > 0, head);
        bytes[at + "formatVersion: ".length()] = '2';
        Files.write(file, bytes);
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> NegativesStore.open(file, 10));
        assertTrue(e.getMessage().startsWith(file + ": formatVersion=2, expected 1 (a store written by another version"),
                e.getMessage());
    }

    @Test
    void refusesADamagedHeaderWithoutWaiting() throws IOException {
        Path file = dir.resolve("neg.cmap");
        try (NegativesStore store = NegativesStore.open(file, 10)) {
            store.put("q", expected(1, 1));
        }
        byte[] bytes = Files.readAllBytes(file);
        String head = new String(bytes, 0, 4096, StandardCharsets.ISO_8859_1);
        bytes[head.indexOf("actualSegments: ") + "actualSegments: ".length()] ^= 1; // the checksum no longer matches
        Files.write(file, bytes);
        QuarryDataException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(QuarryDataException.class, () -> NegativesStore.open(file, 10)));
        assertTrue(e.getMessage().startsWith(file + ": file=cannot be opened as a store, expected"), e.getMessage());
    }

    @Test
    void refusesAFifo() throws IOException, InterruptedException {
        Path fifo = dir.resolve("pipe");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mkfifo.waitFor());
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> NegativesStore.open(fifo, 10));
        assertTrue(e.getMessage().startsWith(fifo + ": output=a FIFO (named pipe), expected a regular file or a new"
                + " path (Quarry maps this file"), e.getMessage());
    }

    @Test
    void refusesAnExpectedSizeOutOfRange() {
        assertEquals("expectedAnchors=0, expected >= 1 and <= 1000000000", assertThrows(QuarryUsageException.class,
                () -> NegativesStore.open(dir.resolve("neg.cmap"), 0)).getMessage());
        assertFalse(Files.exists(dir.resolve("neg.cmap")));
    }

    /** Files beside {@code p} that a refused open might have left, but the users file (which is harmless). */
    private List<Path> leftovers(Path p) throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(p.getFileName() + "."))
                    .filter(f -> !f.equals(StoreUsers.fileOf(p))).toList();
        }
    }
}
