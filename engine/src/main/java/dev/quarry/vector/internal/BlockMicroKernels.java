package dev.quarry.vector.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM-style micro-kernels for a panel of queries against a few corpus rows. Queries are packed
 * component-major ({@link dev.quarry.vector.QueryBlock#packed}), so one vector load yields component
 * k of L consecutive queries; the rows are read in place from the segment, one float at a time, and
 * broadcast. Each step is (vectors x rows) FMAs into accumulators that stay in registers for the
 * whole dot product, so there is no lane reduction at all: lane j of accumulator (r, v) is the score
 * of query v*L+j against row r. Tiles are written to a small scratch, {@link #SCRATCH_ROW} floats
 * per row, that stays in L1.
 *
 * <p>The tiles are unrolled by hand because the JIT only keeps vectors in registers when they are
 * plain locals: an array of vectors would box every one of them.
 */
final class BlockMicroKernels {
    static final VectorSpecies<Float> S = PanamaVectorKernels.S;
    static final int L = PanamaVectorKernels.L;
    /** Rows per full tile. */
    static final int TILE_ROWS = 6;
    /**
     * Rows per full tile of a panel of one to three query vectors with 32 registers: a panel of 32 queries
     * (a trainer's half of 64 anchors) against 6 rows keeps only 12 accumulators and loads 8 values for 12
     * FMAs; against 12 rows it keeps 24, as the four-vector tile does, and loads 14 for 24.
     */
    static final int TALL_ROWS = 12;
    /** Floats per tile row in the scratch: the widest panel. */
    static final int SCRATCH_ROW = 4 * L;
    /** Floats of the scratch a tile fills: the tallest tile of the widest panel. */
    static final int SCRATCH = TALL_ROWS * SCRATCH_ROW;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private BlockMicroKernels() {
    }

    /**
     * Rows per full tile for a panel of {@code vectors} query vectors: {@link #TALL_ROWS} for one to three
     * vectors when the register file holds 24 accumulators ({@code tall}, 32 registers) and the run has that
     * many rows, {@link #TILE_ROWS} otherwise.
     */
    static int tileRows(int vectors, boolean tall, int rowCount) {
        return tall && vectors < 4 && rowCount >= TALL_ROWS ? TALL_ROWS : TILE_ROWS;
    }

    /**
     * Scores one panel of queries ({@code width} floats per component, a multiple of L, at most 4L)
     * against {@code tileRows} rows starting at byte {@code offset} ({@link #TALL_ROWS} for panels of one to
     * three vectors, else at most {@link #TILE_ROWS}): lane j of row r lands in {@code tile[r * SCRATCH_ROW + j]}.
     */
    static void panelTile(float[] pack, int base, int width, int dim, MemorySegment rows, long offset,
                          long stride, int tileRows, float[] tile) {
        int vectors = width / L;
        if (tileRows == TALL_ROWS) {
            switch (vectors) {
                case 3 -> {
                    tile2x12(pack, base, width, dim, rows, offset, stride, tile, 0);
                    tile1x12(pack, base, width, dim, rows, offset, stride, tile, 2 * L);
                }
                case 2 -> tile2x12(pack, base, width, dim, rows, offset, stride, tile, 0);
                case 1 -> tile1x12(pack, base, width, dim, rows, offset, stride, tile, 0);
                default -> throw new IllegalArgumentException("panel width=" + width + " in a tile of "
                        + TALL_ROWS + " rows, expected 1..3 vectors");
            }
            return;
        }
        if (tileRows == TILE_ROWS) {
            switch (vectors) {
                case 4 -> tile4x6(pack, base, width, dim, rows, offset, stride, tile, 0);
                case 3 -> {
                    tile2x6(pack, base, width, dim, rows, offset, stride, tile, 0);
                    tile1x6(pack, base, width, dim, rows, offset, stride, tile, 2 * L);
                }
                case 2 -> tile2x6(pack, base, width, dim, rows, offset, stride, tile, 0);
                case 1 -> tile1x6(pack, base, width, dim, rows, offset, stride, tile, 0);
                default -> throw new IllegalArgumentException("panel width=" + width + ", expected 1..4 vectors");
            }
            return;
        }
        for (int r = 0; r < tileRows; r++) {
            for (int v = 0; v < vectors; v++) {
                tile1x1(pack, base, width, dim, rows, offset + r * stride, tile, r * SCRATCH_ROW + v * L, v * L);
            }
        }
    }

    /**
     * One query vector against one row, for blocks of fewer than {@link #TILE_ROWS} rows. One FMA
     * chain in component order, exactly like every lane of the big tiles: a (query, row) score has the
     * same bits whichever kernel computed it, so indexes that tile the corpus differently (flat, IVF
     * lists) agree exactly. Latency-bound, but only tiny blocks get here.
     */
    private static void tile1x1(float[] pack, int base, int width, int dim, MemorySegment rows, long o0,
                                float[] tile, int tileOffset, int vecOff) {
        FloatVector c = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            int p = base + k * width + vecOff;
            c = FloatVector.broadcast(S, rows.get(FLOAT, o0 + 4L * k)).fma(FloatVector.fromArray(S, pack, p), c);
        }
        c.intoArray(tile, tileOffset);
    }

    /** 4 query vector(s) x 6 rows: 24 accumulators. */
    private static void tile4x6(float[] pack, int base, int width, int dim, MemorySegment rows,
                              long o0, long stride, float[] tile, int vecOff) {
        long o1 = o0 + stride;
        long o2 = o1 + stride;
        long o3 = o2 + stride;
        long o4 = o3 + stride;
        long o5 = o4 + stride;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c02 = FloatVector.zero(S);
        FloatVector c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c12 = FloatVector.zero(S);
        FloatVector c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c22 = FloatVector.zero(S);
        FloatVector c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c32 = FloatVector.zero(S);
        FloatVector c33 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c42 = FloatVector.zero(S);
        FloatVector c43 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        FloatVector c52 = FloatVector.zero(S);
        FloatVector c53 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            int p = base + k * width + vecOff;
            FloatVector q0 = FloatVector.fromArray(S, pack, p);
            FloatVector q1 = FloatVector.fromArray(S, pack, p + L);
            FloatVector q2 = FloatVector.fromArray(S, pack, p + 2 * L);
            FloatVector q3 = FloatVector.fromArray(S, pack, p + 3 * L);
            long b = 4L * k;
            FloatVector a0 = FloatVector.broadcast(S, rows.get(FLOAT, o0 + b));
            c00 = a0.fma(q0, c00);
            c01 = a0.fma(q1, c01);
            c02 = a0.fma(q2, c02);
            c03 = a0.fma(q3, c03);
            FloatVector a1 = FloatVector.broadcast(S, rows.get(FLOAT, o1 + b));
            c10 = a1.fma(q0, c10);
            c11 = a1.fma(q1, c11);
            c12 = a1.fma(q2, c12);
            c13 = a1.fma(q3, c13);
            FloatVector a2 = FloatVector.broadcast(S, rows.get(FLOAT, o2 + b));
            c20 = a2.fma(q0, c20);
            c21 = a2.fma(q1, c21);
            c22 = a2.fma(q2, c22);
            c23 = a2.fma(q3, c23);
            FloatVector a3 = FloatVector.broadcast(S, rows.get(FLOAT, o3 + b));
            c30 = a3.fma(q0, c30);
            c31 = a3.fma(q1, c31);
            c32 = a3.fma(q2, c32);
            c33 = a3.fma(q3, c33);
            FloatVector a4 = FloatVector.broadcast(S, rows.get(FLOAT, o4 + b));
            c40 = a4.fma(q0, c40);
            c41 = a4.fma(q1, c41);
            c42 = a4.fma(q2, c42);
            c43 = a4.fma(q3, c43);
            FloatVector a5 = FloatVector.broadcast(S, rows.get(FLOAT, o5 + b));
            c50 = a5.fma(q0, c50);
            c51 = a5.fma(q1, c51);
            c52 = a5.fma(q2, c52);
            c53 = a5.fma(q3, c53);
        }
        c00.intoArray(tile, 0 * SCRATCH_ROW + vecOff);
        c01.intoArray(tile, 0 * SCRATCH_ROW + vecOff + L);
        c02.intoArray(tile, 0 * SCRATCH_ROW + vecOff + 2 * L);
        c03.intoArray(tile, 0 * SCRATCH_ROW + vecOff + 3 * L);
        c10.intoArray(tile, 1 * SCRATCH_ROW + vecOff);
        c11.intoArray(tile, 1 * SCRATCH_ROW + vecOff + L);
        c12.intoArray(tile, 1 * SCRATCH_ROW + vecOff + 2 * L);
        c13.intoArray(tile, 1 * SCRATCH_ROW + vecOff + 3 * L);
        c20.intoArray(tile, 2 * SCRATCH_ROW + vecOff);
        c21.intoArray(tile, 2 * SCRATCH_ROW + vecOff + L);
        c22.intoArray(tile, 2 * SCRATCH_ROW + vecOff + 2 * L);
        c23.intoArray(tile, 2 * SCRATCH_ROW + vecOff + 3 * L);
        c30.intoArray(tile, 3 * SCRATCH_ROW + vecOff);
        c31.intoArray(tile, 3 * SCRATCH_ROW + vecOff + L);
        c32.intoArray(tile, 3 * SCRATCH_ROW + vecOff + 2 * L);
        c33.intoArray(tile, 3 * SCRATCH_ROW + vecOff + 3 * L);
        c40.intoArray(tile, 4 * SCRATCH_ROW + vecOff);
        c41.intoArray(tile, 4 * SCRATCH_ROW + vecOff + L);
        c42.intoArray(tile, 4 * SCRATCH_ROW + vecOff + 2 * L);
        c43.intoArray(tile, 4 * SCRATCH_ROW + vecOff + 3 * L);
        c50.intoArray(tile, 5 * SCRATCH_ROW + vecOff);
        c51.intoArray(tile, 5 * SCRATCH_ROW + vecOff + L);
        c52.intoArray(tile, 5 * SCRATCH_ROW + vecOff + 2 * L);
        c53.intoArray(tile, 5 * SCRATCH_ROW + vecOff + 3 * L);
    }

    /** 2 query vector(s) x 6 rows: 12 accumulators. */
    private static void tile2x6(float[] pack, int base, int width, int dim, MemorySegment rows,
                              long o0, long stride, float[] tile, int vecOff) {
        long o1 = o0 + stride;
        long o2 = o1 + stride;
        long o3 = o2 + stride;
        long o4 = o3 + stride;
        long o5 = o4 + stride;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            int p = base + k * width + vecOff;
            FloatVector q0 = FloatVector.fromArray(S, pack, p);
            FloatVector q1 = FloatVector.fromArray(S, pack, p + L);
            long b = 4L * k;
            FloatVector a0 = FloatVector.broadcast(S, rows.get(FLOAT, o0 + b));
            c00 = a0.fma(q0, c00);
            c01 = a0.fma(q1, c01);
            FloatVector a1 = FloatVector.broadcast(S, rows.get(FLOAT, o1 + b));
            c10 = a1.fma(q0, c10);
            c11 = a1.fma(q1, c11);
            FloatVector a2 = FloatVector.broadcast(S, rows.get(FLOAT, o2 + b));
            c20 = a2.fma(q0, c20);
            c21 = a2.fma(q1, c21);
            FloatVector a3 = FloatVector.broadcast(S, rows.get(FLOAT, o3 + b));
            c30 = a3.fma(q0, c30);
            c31 = a3.fma(q1, c31);
            FloatVector a4 = FloatVector.broadcast(S, rows.get(FLOAT, o4 + b));
            c40 = a4.fma(q0, c40);
            c41 = a4.fma(q1, c41);
            FloatVector a5 = FloatVector.broadcast(S, rows.get(FLOAT, o5 + b));
            c50 = a5.fma(q0, c50);
            c51 = a5.fma(q1, c51);
        }
        c00.intoArray(tile, 0 * SCRATCH_ROW + vecOff);
        c01.intoArray(tile, 0 * SCRATCH_ROW + vecOff + L);
        c10.intoArray(tile, 1 * SCRATCH_ROW + vecOff);
        c11.intoArray(tile, 1 * SCRATCH_ROW + vecOff + L);
        c20.intoArray(tile, 2 * SCRATCH_ROW + vecOff);
        c21.intoArray(tile, 2 * SCRATCH_ROW + vecOff + L);
        c30.intoArray(tile, 3 * SCRATCH_ROW + vecOff);
        c31.intoArray(tile, 3 * SCRATCH_ROW + vecOff + L);
        c40.intoArray(tile, 4 * SCRATCH_ROW + vecOff);
        c41.intoArray(tile, 4 * SCRATCH_ROW + vecOff + L);
        c50.intoArray(tile, 5 * SCRATCH_ROW + vecOff);
        c51.intoArray(tile, 5 * SCRATCH_ROW + vecOff + L);
    }

    /** 1 query vector(s) x 6 rows: 6 accumulators. */
    private static void tile1x6(float[] pack, int base, int width, int dim, MemorySegment rows,
                              long o0, long stride, float[] tile, int vecOff) {
        long o1 = o0 + stride;
        long o2 = o1 + stride;
        long o3 = o2 + stride;
        long o4 = o3 + stride;
        long o5 = o4 + stride;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            int p = base + k * width + vecOff;
            FloatVector q0 = FloatVector.fromArray(S, pack, p);
            long b = 4L * k;
            FloatVector a0 = FloatVector.broadcast(S, rows.get(FLOAT, o0 + b));
            c00 = a0.fma(q0, c00);
            FloatVector a1 = FloatVector.broadcast(S, rows.get(FLOAT, o1 + b));
            c10 = a1.fma(q0, c10);
            FloatVector a2 = FloatVector.broadcast(S, rows.get(FLOAT, o2 + b));
            c20 = a2.fma(q0, c20);
            FloatVector a3 = FloatVector.broadcast(S, rows.get(FLOAT, o3 + b));
            c30 = a3.fma(q0, c30);
            FloatVector a4 = FloatVector.broadcast(S, rows.get(FLOAT, o4 + b));
            c40 = a4.fma(q0, c40);
            FloatVector a5 = FloatVector.broadcast(S, rows.get(FLOAT, o5 + b));
            c50 = a5.fma(q0, c50);
        }
        c00.intoArray(tile, 0 * SCRATCH_ROW + vecOff);
        c10.intoArray(tile, 1 * SCRATCH_ROW + vecOff);
        c20.intoArray(tile, 2 * SCRATCH_ROW + vecOff);
        c30.intoArray(tile, 3 * SCRATCH_ROW + vecOff);
        c40.intoArray(tile, 4 * SCRATCH_ROW + vecOff);
        c50.intoArray(tile, 5 * SCRATCH_ROW + vecOff);
    }

    /** 2 query vector(s) x 12 rows: 24 accumulators. */
    private static void tile2x12(float[] pack, int base, int width, int dim, MemorySegment rows,
                              long o0, long stride, float[] tile, int vecOff) {
        long o1 = o0 + stride;
        long o2 = o1 + stride;
        long o3 = o2 + stride;
        long o4 = o3 + stride;
        long o5 = o4 + stride;
        long o6 = o5 + stride;
        long o7 = o6 + stride;
        long o8 = o7 + stride;
        long o9 = o8 + stride;
        long o10 = o9 + stride;
        long o11 = o10 + stride;
        FloatVector c000 = FloatVector.zero(S);
        FloatVector c001 = FloatVector.zero(S);
        FloatVector c010 = FloatVector.zero(S);
        FloatVector c011 = FloatVector.zero(S);
        FloatVector c020 = FloatVector.zero(S);
        FloatVector c021 = FloatVector.zero(S);
        FloatVector c030 = FloatVector.zero(S);
        FloatVector c031 = FloatVector.zero(S);
        FloatVector c040 = FloatVector.zero(S);
        FloatVector c041 = FloatVector.zero(S);
        FloatVector c050 = FloatVector.zero(S);
        FloatVector c051 = FloatVector.zero(S);
        FloatVector c060 = FloatVector.zero(S);
        FloatVector c061 = FloatVector.zero(S);
        FloatVector c070 = FloatVector.zero(S);
        FloatVector c071 = FloatVector.zero(S);
        FloatVector c080 = FloatVector.zero(S);
        FloatVector c081 = FloatVector.zero(S);
        FloatVector c090 = FloatVector.zero(S);
        FloatVector c091 = FloatVector.zero(S);
        FloatVector c100 = FloatVector.zero(S);
        FloatVector c101 = FloatVector.zero(S);
        FloatVector c110 = FloatVector.zero(S);
        FloatVector c111 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            int p = base + k * width + vecOff;
            FloatVector q0 = FloatVector.fromArray(S, pack, p);
            FloatVector q1 = FloatVector.fromArray(S, pack, p + L);
            long b = 4L * k;
            FloatVector a0 = FloatVector.broadcast(S, rows.get(FLOAT, o0 + b));
            c000 = a0.fma(q0, c000);
            c001 = a0.fma(q1, c001);
            FloatVector a1 = FloatVector.broadcast(S, rows.get(FLOAT, o1 + b));
            c010 = a1.fma(q0, c010);
            c011 = a1.fma(q1, c011);
            FloatVector a2 = FloatVector.broadcast(S, rows.get(FLOAT, o2 + b));
            c020 = a2.fma(q0, c020);
            c021 = a2.fma(q1, c021);
            FloatVector a3 = FloatVector.broadcast(S, rows.get(FLOAT, o3 + b));
            c030 = a3.fma(q0, c030);
            c031 = a3.fma(q1, c031);
            FloatVector a4 = FloatVector.broadcast(S, rows.get(FLOAT, o4 + b));
            c040 = a4.fma(q0, c040);
            c041 = a4.fma(q1, c041);
            FloatVector a5 = FloatVector.broadcast(S, rows.get(FLOAT, o5 + b));
            c050 = a5.fma(q0, c050);
            c051 = a5.fma(q1, c051);
            FloatVector a6 = FloatVector.broadcast(S, rows.get(FLOAT, o6 + b));
            c060 = a6.fma(q0, c060);
            c061 = a6.fma(q1, c061);
            FloatVector a7 = FloatVector.broadcast(S, rows.get(FLOAT, o7 + b));
            c070 = a7.fma(q0, c070);
            c071 = a7.fma(q1, c071);
            FloatVector a8 = FloatVector.broadcast(S, rows.get(FLOAT, o8 + b));
            c080 = a8.fma(q0, c080);
            c081 = a8.fma(q1, c081);
            FloatVector a9 = FloatVector.broadcast(S, rows.get(FLOAT, o9 + b));
            c090 = a9.fma(q0, c090);
            c091 = a9.fma(q1, c091);
            FloatVector a10 = FloatVector.broadcast(S, rows.get(FLOAT, o10 + b));
            c100 = a10.fma(q0, c100);
            c101 = a10.fma(q1, c101);
            FloatVector a11 = FloatVector.broadcast(S, rows.get(FLOAT, o11 + b));
            c110 = a11.fma(q0, c110);
            c111 = a11.fma(q1, c111);
        }
        c000.intoArray(tile, 0 * SCRATCH_ROW + vecOff);
        c001.intoArray(tile, 0 * SCRATCH_ROW + vecOff + L);
        c010.intoArray(tile, 1 * SCRATCH_ROW + vecOff);
        c011.intoArray(tile, 1 * SCRATCH_ROW + vecOff + L);
        c020.intoArray(tile, 2 * SCRATCH_ROW + vecOff);
        c021.intoArray(tile, 2 * SCRATCH_ROW + vecOff + L);
        c030.intoArray(tile, 3 * SCRATCH_ROW + vecOff);
        c031.intoArray(tile, 3 * SCRATCH_ROW + vecOff + L);
        c040.intoArray(tile, 4 * SCRATCH_ROW + vecOff);
        c041.intoArray(tile, 4 * SCRATCH_ROW + vecOff + L);
        c050.intoArray(tile, 5 * SCRATCH_ROW + vecOff);
        c051.intoArray(tile, 5 * SCRATCH_ROW + vecOff + L);
        c060.intoArray(tile, 6 * SCRATCH_ROW + vecOff);
        c061.intoArray(tile, 6 * SCRATCH_ROW + vecOff + L);
        c070.intoArray(tile, 7 * SCRATCH_ROW + vecOff);
        c071.intoArray(tile, 7 * SCRATCH_ROW + vecOff + L);
        c080.intoArray(tile, 8 * SCRATCH_ROW + vecOff);
        c081.intoArray(tile, 8 * SCRATCH_ROW + vecOff + L);
        c090.intoArray(tile, 9 * SCRATCH_ROW + vecOff);
        c091.intoArray(tile, 9 * SCRATCH_ROW + vecOff + L);
        c100.intoArray(tile, 10 * SCRATCH_ROW + vecOff);
        c101.intoArray(tile, 10 * SCRATCH_ROW + vecOff + L);
        c110.intoArray(tile, 11 * SCRATCH_ROW + vecOff);
        c111.intoArray(tile, 11 * SCRATCH_ROW + vecOff + L);
    }

    /** 1 query vector(s) x 12 rows: 12 accumulators. */
    private static void tile1x12(float[] pack, int base, int width, int dim, MemorySegment rows,
                              long o0, long stride, float[] tile, int vecOff) {
        long o1 = o0 + stride;
        long o2 = o1 + stride;
        long o3 = o2 + stride;
        long o4 = o3 + stride;
        long o5 = o4 + stride;
        long o6 = o5 + stride;
        long o7 = o6 + stride;
        long o8 = o7 + stride;
        long o9 = o8 + stride;
        long o10 = o9 + stride;
        long o11 = o10 + stride;
        FloatVector c000 = FloatVector.zero(S);
        FloatVector c010 = FloatVector.zero(S);
        FloatVector c020 = FloatVector.zero(S);
        FloatVector c030 = FloatVector.zero(S);
        FloatVector c040 = FloatVector.zero(S);
        FloatVector c050 = FloatVector.zero(S);
        FloatVector c060 = FloatVector.zero(S);
        FloatVector c070 = FloatVector.zero(S);
        FloatVector c080 = FloatVector.zero(S);
        FloatVector c090 = FloatVector.zero(S);
        FloatVector c100 = FloatVector.zero(S);
        FloatVector c110 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            int p = base + k * width + vecOff;
            FloatVector q0 = FloatVector.fromArray(S, pack, p);
            long b = 4L * k;
            FloatVector a0 = FloatVector.broadcast(S, rows.get(FLOAT, o0 + b));
            c000 = a0.fma(q0, c000);
            FloatVector a1 = FloatVector.broadcast(S, rows.get(FLOAT, o1 + b));
            c010 = a1.fma(q0, c010);
            FloatVector a2 = FloatVector.broadcast(S, rows.get(FLOAT, o2 + b));
            c020 = a2.fma(q0, c020);
            FloatVector a3 = FloatVector.broadcast(S, rows.get(FLOAT, o3 + b));
            c030 = a3.fma(q0, c030);
            FloatVector a4 = FloatVector.broadcast(S, rows.get(FLOAT, o4 + b));
            c040 = a4.fma(q0, c040);
            FloatVector a5 = FloatVector.broadcast(S, rows.get(FLOAT, o5 + b));
            c050 = a5.fma(q0, c050);
            FloatVector a6 = FloatVector.broadcast(S, rows.get(FLOAT, o6 + b));
            c060 = a6.fma(q0, c060);
            FloatVector a7 = FloatVector.broadcast(S, rows.get(FLOAT, o7 + b));
            c070 = a7.fma(q0, c070);
            FloatVector a8 = FloatVector.broadcast(S, rows.get(FLOAT, o8 + b));
            c080 = a8.fma(q0, c080);
            FloatVector a9 = FloatVector.broadcast(S, rows.get(FLOAT, o9 + b));
            c090 = a9.fma(q0, c090);
            FloatVector a10 = FloatVector.broadcast(S, rows.get(FLOAT, o10 + b));
            c100 = a10.fma(q0, c100);
            FloatVector a11 = FloatVector.broadcast(S, rows.get(FLOAT, o11 + b));
            c110 = a11.fma(q0, c110);
        }
        c000.intoArray(tile, 0 * SCRATCH_ROW + vecOff);
        c010.intoArray(tile, 1 * SCRATCH_ROW + vecOff);
        c020.intoArray(tile, 2 * SCRATCH_ROW + vecOff);
        c030.intoArray(tile, 3 * SCRATCH_ROW + vecOff);
        c040.intoArray(tile, 4 * SCRATCH_ROW + vecOff);
        c050.intoArray(tile, 5 * SCRATCH_ROW + vecOff);
        c060.intoArray(tile, 6 * SCRATCH_ROW + vecOff);
        c070.intoArray(tile, 7 * SCRATCH_ROW + vecOff);
        c080.intoArray(tile, 8 * SCRATCH_ROW + vecOff);
        c090.intoArray(tile, 9 * SCRATCH_ROW + vecOff);
        c100.intoArray(tile, 10 * SCRATCH_ROW + vecOff);
        c110.intoArray(tile, 11 * SCRATCH_ROW + vecOff);
    }
}
