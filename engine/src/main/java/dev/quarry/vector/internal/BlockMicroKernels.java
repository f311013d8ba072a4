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
    /** Floats per tile row in the scratch: the widest panel. */
    static final int SCRATCH_ROW = 4 * L;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private BlockMicroKernels() {
    }

    /**
     * Scores one panel of queries ({@code width} floats per component, a multiple of L, at most 4L)
     * against {@code tileRows <= TILE_ROWS} rows starting at byte {@code offset}: lane j of row r
     * lands in {@code tile[r * SCRATCH_ROW + j]}.
     */
    static void panelTile(float[] pack, int base, int width, int dim, MemorySegment rows, long offset,
                          long stride, int tileRows, float[] tile) {
        int vectors = width / L;
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
}
