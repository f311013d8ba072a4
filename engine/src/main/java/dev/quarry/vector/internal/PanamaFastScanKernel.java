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
 * nibbles do the same for the other 16 rows. The looked-up bytes are summed in 16-bit lanes, and folded across
 * the {@code g} sub-spaces at the end of each run of at most 256 sub-spaces: {@code 256 x 255} still fits an
 * unsigned 16-bit lane, so nothing wraps, and the runs are added as ints.
 *
 * <p>With few queries a call goes block after block, and every query's tables pass over the packed block while
 * it is in the L1 cache, each query unpacking the nibbles as it reads them (even and odd bytes of the look-ups
 * summed apart). With many a call unpacks a tile of blocks once into nibble indices in a per-thread scratch
 * (about 24 KB, in the L1 cache), then every query's tables pass over that tile, so the unpacking is shared
 * (whole 16-bit lanes and odd bytes summed; the even bytes' sums are their difference), allocating nothing.
 * The width is the CPU's preferred one, chosen at start-up.
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

    /** Bytes of unpacked indices in one tile: with a query's tables they fit a 32 KB L1 data cache. */
    private static final int TILE_BYTES = 24 << 10;

    /**
     * Queries from which a call unpacks the codes once for all of them when a block has fewer than
     * {@link #LONG_BLOCK} code vectors (m < 96 at 512 bits); below, block after block, each query unpacks as it
     * reads. Measured on Zen 5 at m = 48, 512 bits: sharing lost at 16 queries (0.90x quiet, 0.91-1.01x loaded)
     * and won from 24-32 (loaded: 0.93-1.07x at 24, 1.07x at 32) and at 64 (1.71x quiet).
     */
    private static final int SHARE_FROM = 32;
    /**
     * The same from {@link #LONG_BLOCK} code vectors a block: at m = 96, 512 bits, sharing won at 16 queries
     * (1.27x quiet, 0.92-1.24x loaded) but not reliably at 8 (0.82-1.15x loaded).
     */
    private static final int SHARE_FROM_LONG = 16;
    /** Code vectors in a block from which {@link #SHARE_FROM_LONG} applies: m = 96 at 512 bits. */
    private static final int LONG_BLOCK = 24;

    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    private PanamaFastScanKernel() {
    }

    private static int shareFrom(int vectors) {
        return vectors >= LONG_BLOCK ? SHARE_FROM_LONG : SHARE_FROM;
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
        int blocks = (int) FastScanLayout.blocks(rowCount);
        if (queries < shareFrom(vectors)) {
            scoreEach(tables, queries, stride, codes, offset, rowCount, out, blockBytes, vectors);
            return;
        }
        Scratch s = scratch.get();
        // A tile of blocks is unpacked once into nibble indices that stay in the L1 cache, then each query's
        // tables (also in L1) pass over the whole tile: the unpacking is shared by all queries.
        int unpacked = 2 * blockBytes;
        int tile = Math.max(1, TILE_BYTES / unpacked);
        s.reserve(Math.min(tile, blocks) * unpacked);
        for (int b0 = 0; b0 < blocks; b0 += tile) {
            int b1 = Math.min(blocks, b0 + tile);
            for (int b = b0; b < b1; b++) {
                s.unpack(codes, offset + (long) b * blockBytes, vectors, (b - b0) * unpacked);
            }
            for (int q = 0; q < queries; q++) {
                for (int b = b0; b < b1; b++) {
                    int first = b * FastScanLayout.BLOCK_ROWS;
                    s.block(tables, q * stride, (b - b0) * unpacked, vectors, out, q * rowCount + first,
                            Math.min(FastScanLayout.BLOCK_ROWS, rowCount - first));
                }
            }
        }
    }

    /**
     * One thread's unpacked nibble indices, run sums and row sums. Held per thread so a call allocates nothing
     * (the index array grows once to the largest tile a thread has seen).
     */
    private static final class Scratch {
        /** Per block and vector of codes: its low-nibble indices, then its high-nibble ones, {@code LB} each. */
        private byte[] index = new byte[2 * LB];
        /** A run's four 16-bit sums (all and odd bytes of the low nibbles' look-ups, then of the high). */
        private final short[] lanes = new short[4 * LS];
        private final int[] sums = new int[FastScanLayout.BLOCK_ROWS];

        void reserve(int bytes) {
            if (index.length < bytes) {
                index = new byte[bytes];
            }
        }

        /** Writes the table indices of one block's {@code vectors} code vectors at {@code at} of the index. */
        void unpack(MemorySegment codes, long block, int vectors, int at) {
            byte[] index = this.index;
            for (int v = 0; v < vectors; v++) {
                ByteVector c = ByteVector.fromMemorySegment(B, codes, block + (long) v * LB, LE);
                c.and((byte) 0x0F).or(TABLE_BASE).intoArray(index, at + 2 * v * LB);
                // Bytes have no shift instruction on x86; shifting 16-bit lanes then masking moves the same nibbles.
                c.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes()
                        .and((byte) 0x0F).or(TABLE_BASE).intoArray(index, at + (2 * v + 1) * LB);
            }
        }

        /** Sums one query's tables over the block unpacked at {@code at} of the index, {@code rows} sums into
         * {@code out} at {@code to}. */
        void block(byte[] tables, int table, int at, int vectors, int[] out, int to, int rows) {
            // At 512 bits the sums go straight to out unless the block is partial.
            boolean direct = WIDE && rows == FastScanLayout.BLOCK_ROWS;
            int[] into = direct ? out : sums;
            int intoAt = direct ? to : 0;
            if (!WIDE) {
                java.util.Arrays.fill(sums, 0);
            }
            for (int v0 = 0; v0 < vectors; v0 += RUN) {
                int v1 = Math.min(vectors, v0 + RUN);
                accumulate(tables, table, index, at, v0, v1, lanes);
                if (WIDE) {
                    addRowsWide(lanes, v0 > 0, into, intoAt);
                } else {
                    addRows(lanes, sums);
                }
            }
            if (!direct) {
                System.arraycopy(sums, 0, out, to, rows);
            }
        }
    }

    /*
     * Vectors are never passed to or returned from the methods below: a method C2 does not inline (too large
     * once the vector operations are expanded, or compiled on its own first) boxes every vector crossing it, a
     * heap object per block. They meet through the small lanes array instead, a store and a load from L1.
     */

    /**
     * Sums vectors [from, to) of one unpacked block for one query into {@code lanes}: per nibble half, the sum
     * of whole 16-bit lanes of the look-ups ({@code even + 256 x odd} modulo 2^16) and the sum of their odd
     * bytes, one add and one shift a look-up (the even sums follow from the two, {@link #evenSums}).
     */
    private static void accumulate(byte[] tables, int table, byte[] index, int at, int from, int to, short[] lanes) {
        ShortVector lowAll = ShortVector.zero(SH);
        ShortVector lowOdd = ShortVector.zero(SH);
        ShortVector highAll = ShortVector.zero(SH);
        ShortVector highOdd = ShortVector.zero(SH);
        for (int v = from; v < to; v++) {
            ByteVector t = ByteVector.fromArray(B, tables, table + v * LB);
            ShortVector low = ByteVector.fromArray(B, index, at + 2 * v * LB).selectFrom(t).reinterpretAsShorts();
            ShortVector high = ByteVector.fromArray(B, index, at + (2 * v + 1) * LB).selectFrom(t)
                    .reinterpretAsShorts();
            lowAll = lowAll.add(low);
            lowOdd = lowOdd.add(low.lanewise(VectorOperators.LSHR, 8));
            highAll = highAll.add(high);
            highOdd = highOdd.add(high.lanewise(VectorOperators.LSHR, 8));
        }
        lowAll.intoArray(lanes, 0);
        lowOdd.intoArray(lanes, LS);
        highAll.intoArray(lanes, 2 * LS);
        highOdd.intoArray(lanes, 3 * LS);
    }

    /**
     * Few queries: block after block, each query's tables pass over the packed block while it is in L1, each
     * unpacking the nibbles as it reads them. At 512 bits a block's run is {@link #blockWide}, whose vectors stay
     * within it: the run method it replaced returned a vector, boxed (about 100 bytes a block, 119 KB of a
     * one-query search's 247 KB at m = 192) whenever C2 left it a call. Scratch arrays only where a path uses
     * them: a call is often one list of a few blocks, 176 of them in a one-query search.
     */
    private static void scoreEach(byte[] tables, int queries, int stride, MemorySegment codes, long offset,
                                  int rowCount, int[] out, int blockBytes, int vectors) {
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

    /**
     * Turns each nibble half's all-byte sums into even-byte sums in place: {@code all - (odd << 8)} modulo 2^16.
     * Exact because the even bytes' sum of a run is at most {@code RUN x 255 < 2^16}.
     */
    private static void evenSums(short[] lanes) {
        for (int half = 0; half < 4 * LS; half += 2 * LS) {
            ShortVector all = ShortVector.fromArray(SH, lanes, half);
            ShortVector odd = ShortVector.fromArray(SH, lanes, half + LS);
            all.sub(odd.lanewise(VectorOperators.LSHL, 8)).intoArray(lanes, half);
        }
    }

    /**
     * At 512 bits: folds a run's sums over its four sub-spaces and puts them in row order with two-vector
     * byte-pair selects ({@code vpermi2w}), then stores (the first run of a block) or adds the 32 row sums as
     * ints at {@code into[at ..]}.
     */
    private static void addRowsWide(short[] lanes, boolean add, int[] into, int at) {
        evenSums(lanes);
        ShortVector lowEven = ShortVector.fromArray(SH, lanes, 0);
        ShortVector lowOdd = ShortVector.fromArray(SH, lanes, LS);
        ShortVector highEven = ShortVector.fromArray(SH, lanes, 2 * LS);
        ShortVector highOdd = ShortVector.fromArray(SH, lanes, 3 * LS);
        ShortVector lows = PAIR_A.selectFrom(lowEven, lowOdd).add(PAIR_B.selectFrom(lowEven, lowOdd));
        ShortVector highs = PAIR_A.selectFrom(highEven, highOdd).add(PAIR_B.selectFrom(highEven, highOdd));
        ShortVector rowSums = ROWS_A.selectFrom(lows, highs).add(ROWS_B.selectFrom(lows, highs));
        IntVector low = rowSums.convert(VectorOperators.ZERO_EXTEND_S2I, 0).reinterpretAsInts();
        IntVector high = rowSums.convert(VectorOperators.ZERO_EXTEND_S2I, 1).reinterpretAsInts();
        if (add) {
            low = low.add(IntVector.fromArray(SI, into, at));
            high = high.add(IntVector.fromArray(SI, into, at + 16));
        }
        low.intoArray(into, at);
        high.intoArray(into, at + 16);
    }

    /**
     * Below 512 bits: folds a run's sums over the vector's sub-spaces (lanes 0..7 of each) and adds them to
     * the block's row sums. Even bytes are the even rows of a half block, odd bytes the odd rows; low nibbles
     * rows 0..15.
     */
    private static void addRows(short[] lanes, int[] sums) {
        evenSums(lanes);
        for (int i = 0; i < 4; i++) {
            ShortVector x = ShortVector.fromArray(SH, lanes, i * LS);
            if (PER_VECTOR >= 2) {
                x = x.add(x.rearrange(HALF));
            }
            if (PER_VECTOR >= 4) {
                x = x.add(x.rearrange(QUARTER));
            }
            x.intoArray(lanes, i * LS);
        }
        for (int i = 0; i < 8; i++) {
            sums[2 * i] += lanes[i] & 0xFFFF;
            sums[2 * i + 1] += lanes[LS + i] & 0xFFFF;
            sums[16 + 2 * i] += lanes[2 * LS + i] & 0xFFFF;
            sums[17 + 2 * i] += lanes[3 * LS + i] & 0xFFFF;
        }
    }
}
