package dev.quarry.labels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The off-heap id table resolves ids both ways, rejects duplicates, and rebuilds when its source changes. */
class IdTableTest {
    @TempDir
    Path dir;

    @Test
    void resolvesEveryIdBothWaysAndUnknownIdsToMinusOne() throws IOException {
        SplittableRandom random = new SplittableRandom(1);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            ids.add("doc-" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36) + (i % 7 == 0 ? "-é" : ""));
        }
        Path file = Files.write(dir.resolve("ids.txt"), ids);
        try (IdTable table = IdTable.forIdFile(file)) {
            assertEquals(ids.size(), table.size());
            for (int i = 0; i < ids.size(); i++) {
                assertEquals(i, table.ordinal(ids.get(i)), ids.get(i));
                assertEquals(ids.get(i), table.id(i));
            }
            assertEquals(-1, table.ordinal("doc-missing"));
            assertEquals(-1, table.ordinal(""));
        }
        assertTrue(Files.exists(dir.resolve("ids.txt.qidx")), "cached beside the source");
    }

    @Test
    void aBatchOfIdsResolvesAsOneLookupAtATime() throws IOException {
        SplittableRandom random = new SplittableRandom(2);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            ids.add(i % 3 == 0 ? Integer.toString(i) : "d" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36));
        }
        Path file = Files.write(dir.resolve("batch.txt"), ids);
        try (IdTable table = IdTable.forIdFile(file)) {
            for (int n : new int[] {0, 1, 1023, 1024, 5_000}) {
                String[] batch = new String[n + 3]; // longer than asked: only the first n are looked up
                for (int i = 0; i < n; i++) { // known ids in a random order, repeats, unknown ids, the empty id
                    int pick = random.nextInt(10);
                    batch[i] = pick < 6 ? ids.get(random.nextInt(ids.size())) : pick < 8 ? "unknown" + i
                            : pick < 9 ? "" : batch[Math.max(0, i - 1)] == null ? "x" : batch[Math.max(0, i - 1)];
                }
                int[] out = new int[n];
                table.ordinals(batch, n, out);
                for (int i = 0; i < n; i++) {
                    assertEquals(table.ordinal(batch[i]), out[i], "n=" + n + " " + batch[i]);
                }
            }
        }
    }

    @Test
    void findsEveryIdOfSmallTablesAndNoneOfTheUnknownOnes() throws IOException {
        // Lookups start where a uniform hash puts an id and widen from there: tables of one row and a few
        // rows put every guess at an edge.
        for (int n = 1; n <= 40; n++) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ids.add("id" + (i * 7919 % 1000));
            }
            Path file = Files.write(dir.resolve("small-" + n + ".txt"), ids);
            try (IdTable table = IdTable.forIdFile(file)) {
                for (int i = 0; i < n; i++) {
                    assertEquals(i, table.ordinal(ids.get(i)), "n=" + n + " " + ids.get(i));
                }
                for (int u = 0; u < 200; u++) {
                    assertEquals(-1, table.ordinal("other" + u), "n=" + n + " other" + u);
                }
            }
        }
    }

    @Test
    void rejectsDuplicateIdsNamingBothRows() throws IOException {
        Path file = Files.writeString(dir.resolve("dup.txt"), "a\nb\nc\nb\n");
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> IdTable.forIdFile(file));
        assertEquals(file + ": row 3 id=b, expected unique ids (row 1 has the same id)", e.getMessage());
    }

    @Test
    void rejectsEmptyLines() throws IOException {
        Path file = Files.writeString(dir.resolve("gap.txt"), "a\n\nc\n");
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> IdTable.forIdFile(file));
        assertEquals(file + ": line 2=empty, expected one non-empty id per line", e.getMessage());
    }

    @Test
    void aDamagedCacheIsRebuiltNeverTrusted() throws IOException {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ids.add("id-" + i);
        }
        Path file = Files.write(dir.resolve("ids.txt"), ids);
        Path cache = dir.resolve("ids.txt.qidx");
        IdTable.forIdFile(file).close();
        byte[] intact = Files.readAllBytes(cache);
        // A header field, an offset, an id's bytes, a sorted entry's ordinal, the footer: each would mislead.
        long size = intact.length;
        for (long at : new long[] {9, 64 + 8 * 10, 64 + 8 * 1001 + 40, size - 16 - 8 * 500, size - 3}) {
            Files.write(cache, intact);
            dev.quarry.testing.TestFiles.flip(cache, at);
            try (IdTable table = IdTable.forIdFile(file)) {
                for (int i = 0; i < ids.size(); i++) {
                    assertEquals(i, table.ordinal(ids.get(i)), "byte " + at + ": " + ids.get(i));
                    assertEquals(ids.get(i), table.id(i), "byte " + at);
                }
            }
            assertEquals(-1, Arrays.mismatch(intact, Files.readAllBytes(cache)), "byte " + at + ": rebuilt as it was");
        }
    }

    @Test
    void rebuildsTheCacheWhenTheSourceChanges() throws IOException {
        Path file = Files.writeString(dir.resolve("ids.txt"), "x\ny\n");
        try (IdTable table = IdTable.forIdFile(file)) {
            assertEquals(1, table.ordinal("y"));
        }
        Files.writeString(file, "y\nx\nz\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5000));
        try (IdTable table = IdTable.forIdFile(file)) {
            assertEquals(3, table.size());
            assertEquals(0, table.ordinal("y"));
            assertEquals(2, table.ordinal("z"));
        }
    }

    @Test
    void ordinalIdsAcceptOnlyCanonicalNumbersInRange() {
        IdMap ids = IdMap.ordinals(100);
        assertEquals(0, ids.ordinal("0"));
        assertEquals(99, ids.ordinal("99"));
        assertEquals(-1, ids.ordinal("100"));
        assertEquals(-1, ids.ordinal("007"));
        assertEquals(-1, ids.ordinal("-1"));
        assertEquals(-1, ids.ordinal("1e2"));
        assertEquals("42", ids.id(42));
    }
}
