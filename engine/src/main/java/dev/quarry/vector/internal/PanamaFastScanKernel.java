package dev.quarry.vector.internal;

import dev.quarry.vector.FastScanKernel;
import dev.quarry.vector.FastScanLayout;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fast-scan kernel on byte shuffles: one vector of {@code 16 x g} code bytes holds 32 rows of {@code g}
 * sub-spaces ({@link FastScanLayout}); the low nibbles, offset by {@code 16 x} the lane's sub-space, index the
 * vector of those {@code g} tables (a single byte permute, {@code vpermb} with AVX-512 VBMI), then the high
 * nibbles do the same for the other 16 rows. The looked-up bytes are summed in 16-bit lanes, even and odd
 * bytes apart, and folded across the {@code g} sub-spaces at the end of each run of at most 256 sub-spaces:
 * {@code 256 x 255} still fits an unsigned 16-bit lane, so nothing wraps, and the runs are added as ints.
 *
 * <p>Queries of a call share the block being read: each block's codes (a few KB) stay in the L1 cache while
 * every query's tables pass over them. The width is the CPU's preferred one, chosen at start-up.
 */
public final class PanamaFastScanKernel implements FastScanKernel {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_PREFERRED;
    private static final int LB = B.length();
    private static final VectorSpecies<Short> SH = B.withLanes(short.class);
    private static final VectorSpecies<Integer> SI = B.withLanes(int.class);
    private static final int LS = SH.length();
    /** Sub-spaces in one vector: 16 table entries (and 16 code bytes) each. */
    private static final int PER_VECTOR = LB / FastScanLayout.ENTRIES;
    /** Vectors whose 16-bit sums, folded over the sub-spaces of a vector, cannot exceed 65,535. */
    private static final int RUN = 256 / PER_VECTOR;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Lane i: 16 x its sub-space within the vector, so a nibble indexes that sub-space's table. */
    private static final ByteVector TABLE_BASE = ByteVector.fromArray(B, tableBase(), 0);
    private static final VectorShuffle<Short> HALF = VectorShuffle.iota(SH, LS / 2, 1, true);
    private static final VectorShuffle<Short> QUARTER = VectorShuffle.iota(SH, LS / 4, 1, true);
    /** 512 bits: four sub-spaces a vector, and a block's 32 row sums fit one vector of 16-bit lanes. */
    private static final boolean WIDE = PER_VECTOR == 4;
    private static final ShortVector PAIR_A = WIDE ? ShortVector.fromArray(SH, pairIndex(0), 0) : null;
    private static final ShortVector PAIR_B = WIDE ? ShortVector.fromArray(SH, pairIndex(8), 0) : null;
    private static final ShortVector ROWS_A = WIDE ? ShortVector.fromArray(SH, rowIndex(0), 0) : null;
    private static final ShortVector ROWS_B = WIDE ? ShortVector.fromArray(SH, rowIndex(8), 0) : null;

    private PanamaFastScanKernel() {
    }

    /** The kernel, or {@link UnsupportedOperationException} when the CPU's vectors are under 128 bits. */
    public static PanamaFastScanKernel create() {
        if (LB < FastScanLayout.ENTRIES) {
            throw new UnsupportedOperationException("the CPU's preferred byte vector is " + B.vectorBitSize()
                    + " bits, expected at least 128");
        }
        return new PanamaFastScanKernel();
    }

    private static byte[] tableBase() {
        byte[] base = new byte[LB];
        for (int i = 0; i < LB; i++) {
            base[i] = (byte) (i / FastScanLayout.ENTRIES * FastScanLayout.ENTRIES);
        }
        return base;
    }

    /**
     * Two-vector select indices that add sub-spaces in pairs: lanes 0..15 from the first vector (its sub-spaces
     * 0 and 2 at {@code from = 0}, 1 and 3 at {@code from = 8}), lanes 16..31 the same from the second.
     */
    private static short[] pairIndex(int from) {
        short[] index = new short[32];
        for (int i = 0; i < 8; i++) {
            index[i] = (short) (from + i);
            index[8 + i] = (short) (16 + from + i);
            index[16 + i] = (short) (32 + from + i);
            index[24 + i] = (short) (48 + from + i);
        }
        return index;
    }

    /**
     * Two-vector select indices that finish the sum over sub-spaces and put row r in lane r: even rows of the
     * low half from the first vector's lanes 0..7, odd ones from 16..23, the high half's from the second.
     */
    private static short[] rowIndex(int from) {
        short[] index = new short[32];
        for (int i = 0; i < 8; i++) {
            index[2 * i] = (short) (from + i);
            index[2 * i + 1] = (short) (16 + from + i);
            index[16 + 2 * i] = (short) (32 + from + i);
            index[17 + 2 * i] = (short) (48 + from + i);
        }
        return index;
    }

    @Override
    public String description() {
        return "fast-scan on " + B.vectorBitSize() + "-bit byte shuffles";
    }

    @Override
    public void score(byte[] tables, int queries, int m, MemorySegment codes, long offset, int rowCount, int[] out) {
        FastScanKernel.check(tables, queries, m, codes, offset, rowCount, out);
        int stride = FastScanLayout.tableBytes(m);
        int blockBytes = FastScanLayout.blockBytes(m);
        int vectors = blockBytes / LB;
        // Scratch only where a path needs it: a call is often one list of a few blocks, thousands a search.
        int[] sums = WIDE && rowCount % FastScanLayout.BLOCK_ROWS == 0 ? null : new int[FastScanLayout.BLOCK_ROWS];
        short[] lanes = WIDE ? null : new short[4 * LS];
        long blocks = FastScanLayout.blocks(rowCount);
        for (long b = 0; b < blocks; b++) {
            long at = offset + b * blockBytes;
            int first = (int) (b * FastScanLayout.BLOCK_ROWS);
            int rows = Math.min(FastScanLayout.BLOCK_ROWS, rowCount - first);
            for (int q = 0; q < queries; q++) {
                if (WIDE) {
                    if (rows == FastScanLayout.BLOCK_ROWS) {
                        blockWide(tables, q * stride, codes, at, vectors, out, q * rowCount + first);
                    } else {
                        blockWide(tables, q * stride, codes, at, vectors, sums, 0);
                        System.arraycopy(sums, 0, out, q * rowCount + first, rows);
                    }
                    continue;
                }
                java.util.Arrays.fill(sums, 0);
                for (int v0 = 0; v0 < vectors; v0 += RUN) {
                    run(tables, q * stride, codes, at, v0, Math.min(vectors, v0 + RUN), lanes);
                    addFolded(lanes, sums);
                }
                System.arraycopy(sums, 0, out, q * rowCount + first, rows);
            }
        }
    }

    /**
     * One block's 32 row sums for one query at 512 bits into {@code out[to, to + 32)}, row r at {@code to + r}:
     * {@link #run}'s lookups, its fold and the row order done with two-vector byte-pair selects
     * ({@code vpermi2w}) instead of stores and scalar adds. Every vector stays within this method: one returned
     * by a method C2 leaves a call is boxed, an allocation a block.
     */
    private static void blockWide(byte[] tables, int table, MemorySegment codes, long at, int vectors, int[] out,
                                  int to) {
        IntVector lowRows = IntVector.zero(SI);
        IntVector highRows = IntVector.zero(SI);
        for (int from = 0; from < vectors; from += RUN) {
            ShortVector lowEven = ShortVector.zero(SH);
            ShortVector lowOdd = ShortVector.zero(SH);
            ShortVector highEven = ShortVector.zero(SH);
            ShortVector highOdd = ShortVector.zero(SH);
            for (int v = from, end = Math.min(vectors, from + RUN); v < end; v++) {
                ByteVector c = ByteVector.fromMemorySegment(B, codes, at + (long) v * LB, LE);
                ByteVector t = ByteVector.fromArray(B, tables, table + v * LB);
                ByteVector lowIndex = c.and((byte) 0x0F).or(TABLE_BASE);
                ByteVector highIndex = c.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes()
                        .and((byte) 0x0F).or(TABLE_BASE);
                ShortVector low = lowIndex.selectFrom(t).reinterpretAsShorts();
                ShortVector high = highIndex.selectFrom(t).reinterpretAsShorts();
                lowEven = lowEven.add(low.and((short) 0xFF));
                lowOdd = lowOdd.add(low.lanewise(VectorOperators.LSHR, 8));
                highEven = highEven.add(high.and((short) 0xFF));
                highOdd = highOdd.add(high.lanewise(VectorOperators.LSHR, 8));
            }
            ShortVector lows = PAIR_A.selectFrom(lowEven, lowOdd).add(PAIR_B.selectFrom(lowEven, lowOdd));
            ShortVector highs = PAIR_A.selectFrom(highEven, highOdd).add(PAIR_B.selectFrom(highEven, highOdd));
            ShortVector rowSums = ROWS_A.selectFrom(lows, highs).add(ROWS_B.selectFrom(lows, highs));
            lowRows = lowRows.add(rowSums.convert(VectorOperators.ZERO_EXTEND_S2I, 0));
            highRows = highRows.add(rowSums.convert(VectorOperators.ZERO_EXTEND_S2I, 1));
        }
        lowRows.intoArray(out, to);
        highRows.intoArray(out, to + 16);
    }

    /** Sums vectors [from, to) of one block for one query into four 16-bit vectors, folded, in {@code lanes}. */
    private static void run(byte[] tables, int table, MemorySegment codes, long at, int from, int to,
                            short[] lanes) {
        ShortVector lowEven = ShortVector.zero(SH);
        ShortVector lowOdd = ShortVector.zero(SH);
        ShortVector highEven = ShortVector.zero(SH);
        ShortVector highOdd = ShortVector.zero(SH);
        for (int v = from; v < to; v++) {
            ByteVector c = ByteVector.fromMemorySegment(B, codes, at + (long) v * LB, LE);
            ByteVector t = ByteVector.fromArray(B, tables, table + v * LB);
            ByteVector lowIndex = c.and((byte) 0x0F).or(TABLE_BASE);
            // Bytes have no shift instruction on x86; shifting 16-bit lanes then masking moves the same nibbles.
            ByteVector highIndex = c.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes()
                    .and((byte) 0x0F).or(TABLE_BASE);
            ShortVector low = lowIndex.selectFrom(t).reinterpretAsShorts();
            ShortVector high = highIndex.selectFrom(t).reinterpretAsShorts();
            lowEven = lowEven.add(low.and((short) 0xFF));
            lowOdd = lowOdd.add(low.lanewise(VectorOperators.LSHR, 8));
            highEven = highEven.add(high.and((short) 0xFF));
            highOdd = highOdd.add(high.lanewise(VectorOperators.LSHR, 8));
        }
        fold(lowEven).intoArray(lanes, 0);
        fold(lowOdd).intoArray(lanes, LS);
        fold(highEven).intoArray(lanes, 2 * LS);
        fold(highOdd).intoArray(lanes, 3 * LS);
    }

    /** Adds the lanes of the vector's sub-spaces so lanes 0..7 hold the sums over all of them. */
    private static ShortVector fold(ShortVector x) {
        if (PER_VECTOR >= 4) {
            x = x.add(x.rearrange(HALF));
            return x.add(x.rearrange(QUARTER));
        }
        return PER_VECTOR == 2 ? x.add(x.rearrange(HALF)) : x;
    }

    /** Even bytes are the even rows of a half block, odd bytes the odd rows; low nibbles rows 0..15. */
    private static void addFolded(short[] lanes, int[] sums) {
        for (int i = 0; i < 8; i++) {
            sums[2 * i] += lanes[i] & 0xFFFF;
            sums[2 * i + 1] += lanes[LS + i] & 0xFFFF;
            sums[16 + 2 * i] += lanes[2 * LS + i] & 0xFFFF;
            sums[17 + 2 * i] += lanes[3 * LS + i] & 0xFFFF;
        }
    }
}
