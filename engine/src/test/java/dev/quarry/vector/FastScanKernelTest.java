package dev.quarry.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fast-scan kernels against a sum written straight from row-major codes (not through the layout), and
 * the layout's packer against its reader and a hand-made block. Odd sub-space counts (padding), partial
 * blocks, one to nine queries and more up to 64 (few queries each unpacking the codes, many sharing one
 * unpacking, on both sides of the switch), flat tables of 0 and 255, and sums past 16 bits; the build runs
 * this class again with 256-bit vectors.
 */
class FastScanKernelTest {
    private static final int[] SUBSPACES = {1, 3, 7, 15, 17, 48, 96, 97};
    private static final int[] ROWS = {1, 31, 32, 33, 100};
    private static final int[] QUERY_COUNTS = {1, 4, 5, 9, 3, 8, 2, 64, 6, 7, 16, 17};
    private static final FastScanKernel SCALAR = new ScalarFastScanKernel();
    private static final FastScanKernel SIMD = VectorKernelsProvider.fastScanPanama();

    @Test
    void runsAtTheVectorWidthTheBuildAsksFor() {
        String expected = System.getProperty("quarry.test.expectVectorBits");
        if (expected != null) {
            assertTrue(SIMD.description().contains(expected + "-bit"), SIMD.description());
        }
    }

    @Test
    void bothKernelsSumEveryRowsTableEntriesForOddSizesAndSeveralQueries() {
        SplittableRandom random = new SplittableRandom(11);
        try (Arena arena = Arena.ofConfined()) {
            for (int m : SUBSPACES) {
                for (int rows : ROWS) {
                    // One query and several: whatever grouping of queries a kernel uses, with remainders.
                    int queries = QUERY_COUNTS[(m + rows) % QUERY_COUNTS.length];
                    byte[] codes = randomCodes(random, rows, m);
                    byte[] tables = randomTables(random, queries, m);
                    long offset = 3 + random.nextInt(40);
                    MemorySegment packed = pack(arena, codes, rows, m, offset);
                    int[] expected = directSums(tables, queries, m, codes, rows);
                    String where = "m=" + m + " rows=" + rows + " queries=" + queries;
                    assertArrayEquals(expected, scores(SCALAR, tables, queries, m, packed, offset, rows), "scalar " + where);
                    assertArrayEquals(expected, scores(SIMD, tables, queries, m, packed, offset, rows), "simd " + where);
                }
            }
        }
    }

    @Test
    void everyQueryCountFromOneToNineAndAroundTheSwitchGivesTheOraclesSumsAcrossTilesOfBlocks() {
        // Few queries unpack as they read, more share one unpacking per tile of blocks: both, on either side of
        // any switch up to 64 queries, with lists longer than a tile (a tile is about 24 KB of indices: 8 blocks
        // at m = 96, 1 at m = 1,031).
        SplittableRandom random = new SplittableRandom(15);
        try (Arena arena = Arena.ofConfined()) {
            for (int m : new int[] {1, 3, 17, 48, 96, 97, 600, 1031}) {
                for (int rows : new int[] {1, 33, 300, 610}) {
                    byte[] codes = randomCodes(random, rows, m);
                    long offset = random.nextInt(70);
                    MemorySegment packed = pack(arena, codes, rows, m, offset);
                    for (int queries : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 64}) {
                        if (m >= 600 && rows > 33 && queries > 17) {
                            continue; // the scalar sums would take most of the test's time
                        }
                        byte[] tables = randomTables(random, queries, m);
                        String where = "m=" + m + " rows=" + rows + " queries=" + queries;
                        assertArrayEquals(directSums(tables, queries, m, codes, rows),
                                scores(SIMD, tables, queries, m, packed, offset, rows), "simd " + where);
                    }
                }
            }
        }
    }

    @Test
    void flatTablesOfZeroAndOf255GiveZeroAnd255TimesTheSubspaces() {
        SplittableRandom random = new SplittableRandom(12);
        try (Arena arena = Arena.ofConfined()) {
            for (int m : SUBSPACES) {
                int rows = 33;
                byte[] codes = randomCodes(random, rows, m);
                MemorySegment packed = pack(arena, codes, rows, m, 0);
                // 2 queries, 17 and 64 (each unpacking on its own, and sharing): odd ones all 255, even ones all 0.
                for (int queries : new int[] {2, 17, 64}) {
                    int stride = FastScanLayout.tableBytes(m);
                    byte[] tables = new byte[queries * stride];
                    int[] expected = new int[queries * rows];
                    for (int q = 1; q < queries; q += 2) {
                        for (int s = 0; s < m; s++) {
                            Arrays.fill(tables, q * stride + 16 * s, q * stride + 16 * s + 16, (byte) 255);
                        }
                        Arrays.fill(expected, q * rows, (q + 1) * rows, 255 * m);
                    }
                    String where = "m=" + m + " queries=" + queries;
                    assertArrayEquals(expected, scores(SCALAR, tables, queries, m, packed, 0, rows), "scalar " + where);
                    assertArrayEquals(expected, scores(SIMD, tables, queries, m, packed, 0, rows), "simd " + where);
                }
            }
        }
    }

    @Test
    void sumsPastSixteenBitsAreExactNotSaturatedOrWrapped() {
        // 255 x 257 = 65,535 is the most an unsigned 16-bit lane holds; 600 sub-spaces of 255 need 153,000.
        SplittableRandom random = new SplittableRandom(13);
        try (Arena arena = Arena.ofConfined()) {
            for (int m : new int[] {256, 257, 258, 600, 1031}) {
                int rows = 45;
                byte[] codes = randomCodes(random, rows, m);
                MemorySegment packed = pack(arena, codes, rows, m, 0);
                byte[] tables = new byte[FastScanLayout.tableBytes(m)];
                for (int s = 0; s < m; s++) {
                    Arrays.fill(tables, 16 * s, 16 * s + 16, (byte) 255);
                }
                tables[16 * (m - 1) + codes[m - 1]] = (byte) 254; // row 0 only: one less
                int[] expected = new int[rows];
                Arrays.fill(expected, 255 * m);
                for (int r = 0; r < rows; r++) {
                    if (codes[r * m + m - 1] == codes[m - 1]) {
                        expected[r]--;
                    }
                }
                assertArrayEquals(expected, scores(SCALAR, tables, 1, m, packed, 0, rows), "scalar m=" + m);
                assertArrayEquals(expected, scores(SIMD, tables, 1, m, packed, 0, rows), "simd m=" + m);
                for (int queries : new int[] {3, 17}) {
                    byte[] mixed = randomTables(random, queries, m);
                    assertArrayEquals(directSums(mixed, queries, m, codes, rows),
                            scores(SIMD, mixed, queries, m, packed, 0, rows),
                            "simd mixed tables m=" + m + " queries=" + queries);
                }
                for (int queries : new int[] {17, 64}) {
                    byte[] flat = new byte[queries * FastScanLayout.tableBytes(m)];
                    int[] all = new int[queries * rows];
                    for (int q = 0; q < queries; q++) {
                        System.arraycopy(tables, 0, flat, q * tables.length, tables.length);
                        System.arraycopy(expected, 0, all, q * rows, rows);
                    }
                    assertArrayEquals(all, scores(SIMD, flat, queries, m, packed, 0, rows),
                            "simd " + queries + " queries of 255 m=" + m);
                }
            }
        }
    }

    @Test
    void packerPutsRowJInTheLowNibbleAndRowJPlus16InTheHighNibbleOfSubspaceBytes() {
        int m = 5;
        int rows = 40;
        byte[] codes = new byte[rows * m];
        codes[0 * m + 0] = 3;
        codes[16 * m + 0] = 5;
        codes[1 * m + 4] = 15;
        codes[33 * m + 2] = 9;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment packed = pack(arena, codes, rows, m, 0);
            assertEquals(2L * 8 * 16, packed.byteSize(), "two blocks of 8 padded sub-spaces");
            assertEquals(0x53, packed.get(ValueLayout.JAVA_BYTE, 0) & 0xFF);
            assertEquals(0x0F, packed.get(ValueLayout.JAVA_BYTE, 4 * 16 + 1) & 0xFF);
            assertEquals(0x09, packed.get(ValueLayout.JAVA_BYTE, 8 * 16 + 2 * 16 + 1) & 0xFF, "row 33: block 1, row 1");
            int nonZero = 0;
            for (long i = 0; i < packed.byteSize(); i++) {
                nonZero += packed.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
            }
            assertEquals(3, nonZero);
        }
    }

    @Test
    void readerReturnsEveryPackedCode() {
        SplittableRandom random = new SplittableRandom(14);
        try (Arena arena = Arena.ofConfined()) {
            for (int m : SUBSPACES) {
                for (int rows : ROWS) {
                    byte[] codes = randomCodes(random, rows, m);
                    MemorySegment packed = pack(arena, codes, rows, m, 7);
                    for (int r = 0; r < rows; r++) {
                        for (int s = 0; s < m; s++) {
                            assertEquals(codes[r * m + s], FastScanLayout.code(packed, 7, m, r, s), "r=" + r + " s=" + s);
                        }
                    }
                }
            }
        }
    }

    @Test
    void rejectsCodesOver15NonZeroPaddedTablesAndShortOutputs() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(FastScanLayout.bytes(2, 3));
            IllegalArgumentException code = assertThrows(IllegalArgumentException.class,
                    () -> FastScanLayout.pack(new byte[] {0, 16, 0, 0, 0, 0}, 2, 3, out, 0));
            assertTrue(code.getMessage().contains("row=0, subspace=1 is 16"), code.getMessage());
            byte[] tables = new byte[FastScanLayout.tableBytes(3)];
            tables[3 * 16 + 2] = 1;
            for (FastScanKernel k : new FastScanKernel[] {SCALAR, SIMD}) {
                IllegalArgumentException pad = assertThrows(IllegalArgumentException.class,
                        () -> k.score(tables, 1, 3, out, 0, 2, new int[2]));
                assertTrue(pad.getMessage().contains("padded subspace=3"), pad.getMessage());
                assertThrows(IllegalArgumentException.class, () -> k.score(new byte[64], 1, 3, out, 0, 2, new int[1]));
                assertThrows(IllegalArgumentException.class, () -> k.score(new byte[64], 1, 3, out, 0, 33, new int[33]));
            }
        }
    }

    static byte[] randomCodes(SplittableRandom random, int rows, int m) {
        byte[] codes = new byte[rows * m];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) random.nextInt(16);
        }
        return codes;
    }

    private static byte[] randomTables(SplittableRandom random, int queries, int m) {
        int stride = FastScanLayout.tableBytes(m);
        byte[] tables = new byte[queries * stride];
        for (int q = 0; q < queries; q++) {
            for (int i = 0; i < 16 * m; i++) {
                // Extremes often, so carries between bytes of a 16-bit lane are exercised.
                int pick = random.nextInt(4);
                tables[q * stride + i] = (byte) (pick == 0 ? 255 : pick == 1 ? 0 : random.nextInt(256));
            }
        }
        return tables;
    }

    static MemorySegment pack(Arena arena, byte[] codes, int rows, int m, long offset) {
        MemorySegment packed = arena.allocate(offset + FastScanLayout.bytes(rows, m));
        packed.asSlice(0, offset).fill((byte) 0x5A);
        FastScanLayout.pack(codes, rows, m, packed, offset);
        return packed;
    }

    private static int[] directSums(byte[] tables, int queries, int m, byte[] codes, int rows) {
        int stride = FastScanLayout.tableBytes(m);
        int[] sums = new int[queries * rows];
        for (int q = 0; q < queries; q++) {
            for (int r = 0; r < rows; r++) {
                for (int s = 0; s < m; s++) {
                    sums[q * rows + r] += tables[q * stride + 16 * s + codes[r * m + s]] & 0xFF;
                }
            }
        }
        return sums;
    }

    private static int[] scores(FastScanKernel kernel, byte[] tables, int queries, int m, MemorySegment packed,
                                long offset, int rows) {
        int[] out = new int[queries * rows];
        Arrays.fill(out, -1);
        kernel.score(tables, queries, m, packed, offset, rows, out);
        return out;
    }
}
