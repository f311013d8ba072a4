package dev.quarry.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The fast-scan layout of 4-bit product-quantization codes, and its packer: rows in blocks of
 * {@link #BLOCK_ROWS}; within a block, sub-space after sub-space, 16 bytes each, byte {@code j} holding
 * row {@code j}'s code in its low nibble and row {@code j + 16}'s in its high nibble. A block is
 * {@code paddedSubspaces(m) x 16} bytes (half a byte per row and sub-space, as the codes themselves).
 *
 * <p>Why this shape: one sub-space's 16 bytes hold 32 rows' codes, so a 16-entry lookup table applied to
 * the low and then the high nibbles scores 32 rows with two byte shuffles; a vector of {@code 16 x g}
 * bytes covers {@code g} consecutive sub-spaces, matched by the {@code g} tables laid out the same way
 * ({@link FastScanTables}). Sub-spaces are padded to a multiple of {@link #SUBSPACE_GROUP} (code 0, table
 * entries 0) so the layout does not depend on the vector width a CPU has (128 to 512 bits). Rows past the
 * last of a partial block hold code 0 and are never reported.
 *
 * <p>Stateless; thread-safe.
 */
public final class FastScanLayout {
    /** Rows of one block: the two nibbles of 16 bytes. */
    public static final int BLOCK_ROWS = 32;
    /** Sub-spaces are padded to a multiple of this: four tables fill a 512-bit vector. */
    public static final int SUBSPACE_GROUP = 4;
    /** Entries of one sub-space's table: the values of a 4-bit code. */
    public static final int ENTRIES = 16;

    private FastScanLayout() {
    }

    /** Sub-spaces as stored: {@code m} rounded up to a multiple of {@link #SUBSPACE_GROUP}. */
    public static int paddedSubspaces(int m) {
        checkSubspaces(m);
        return (m + SUBSPACE_GROUP - 1) / SUBSPACE_GROUP * SUBSPACE_GROUP;
    }

    /** Bytes of one block of {@link #BLOCK_ROWS} rows. */
    public static int blockBytes(int m) {
        return paddedSubspaces(m) * ENTRIES;
    }

    /** Blocks that hold {@code rows} rows. */
    public static long blocks(long rows) {
        if (rows < 0) {
            throw new IllegalArgumentException("rows=" + rows + ", expected >= 0");
        }
        return (rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
    }

    /** Bytes of {@code rows} rows packed: whole blocks. */
    public static long bytes(long rows, int m) {
        return blocks(rows) * blockBytes(m);
    }

    /** Bytes of one query's tables: {@code paddedSubspaces(m) x 16}, one uint8 entry each. */
    public static int tableBytes(int m) {
        return paddedSubspaces(m) * ENTRIES;
    }

    /**
     * Packs row-major codes ({@code rows x m} bytes, each 0..15) into {@code out} at {@code offset}, which
     * must hold {@link #bytes(long, int)} bytes; padding is written as zeros.
     */
    public static void pack(byte[] codes, int rows, int m, MemorySegment out, long offset) {
        checkSubspaces(m);
        if (rows < 0 || (long) rows * m > codes.length) {
            throw new IllegalArgumentException("rows=" + rows + ", m=" + m + ": expected rows x m <= codes.length="
                    + codes.length);
        }
        long size = bytes(rows, m);
        if (offset < 0 || offset + size > out.byteSize()) {
            throw new IllegalArgumentException("offset=" + offset + ", expected room for " + size + " bytes in "
                    + out.byteSize());
        }
        out.asSlice(offset, size).fill((byte) 0);
        int blockBytes = blockBytes(m);
        for (int r = 0; r < rows; r++) {
            long block = offset + (long) (r / BLOCK_ROWS) * blockBytes;
            int within = r % BLOCK_ROWS;
            int shift = within < ENTRIES ? 0 : 4;
            for (int s = 0; s < m; s++) {
                int code = codes[r * m + s];
                if (code < 0 || code >= ENTRIES) {
                    throw new IllegalArgumentException("code of row=" + r + ", subspace=" + s + " is " + code
                            + ", expected 0..15");
                }
                long at = block + (long) s * ENTRIES + (within % ENTRIES);
                byte old = out.get(ValueLayout.JAVA_BYTE, at);
                out.set(ValueLayout.JAVA_BYTE, at, (byte) (old | code << shift));
            }
        }
    }

    /** The code of {@code row} in sub-space {@code s} of packed blocks at {@code offset} (the reader). */
    public static int code(MemorySegment packed, long offset, int m, int row, int s) {
        long block = offset + (long) (row / BLOCK_ROWS) * blockBytes(m);
        int within = row % BLOCK_ROWS;
        int b = packed.get(ValueLayout.JAVA_BYTE, block + (long) s * ENTRIES + (within % ENTRIES)) & 0xFF;
        return within < ENTRIES ? b & 0x0F : b >>> 4;
    }

    static void checkSubspaces(int m) {
        if (m < 1 || m > 1 << 16) {
            throw new IllegalArgumentException("subspaces=" + m + ", expected 1..65536");
        }
    }
}
