package dev.quarry.vector.internal;

import dev.quarry.vector.CandidateSink;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.RowPanels;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Queries against rows stored in panels ({@link RowPanels}), with rows in the lanes: for each
 * component, one broadcast of each query's value and one vector load of L rows' values, so every
 * lane does useful work however few the queries (an IVF list at small nprobe is probed by one or
 * two). Each lane is one FMA chain in component order starting from zero, exactly like a lane of the
 * block micro-kernel, so the scores have the same bits.
 *
 * <p>Four row vectors are in flight, to hide the FMA latency, against four queries (16 accumulators,
 * with 32 vector registers) or two (8, for 16 registers and for the last one or two queries). A lone
 * query's scores ({@link #scores}) keep eight row vectors in flight instead, for the memory's sake. The last
 * one to three row vectors of a list go in one pass against each group of queries ({@link #quad3},
 * {@link #pair3}, {@link #one3}): one pass per row vector was a chain of dim FMAs waiting on the FMA's
 * latency each, and a list of 51 rows (nlist 4,096 over 208k) is four row vectors, one of 40 rows all tail.
 */
final class PanelKernels {
    static final VectorSpecies<Float> S = PanamaVectorKernels.S;
    static final int L = PanamaVectorKernels.L;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Row vectors per panel. */
    private static final int PER_PANEL = RowPanels.ROWS / L;
    /** Row vectors scored together. */
    private static final int GROUP = 4;
    /** Scratch floats a call needs: the scores of four queries against {@link #GROUP} row vectors. */
    static final int SCRATCH = 4 * GROUP * L;

    private PanelKernels() {
    }

    /**
     * {@link dev.quarry.vector.VectorKernels#scorePanelsTopK} with rows in the lanes.
     *
     * @param quads whether groups of four queries fit the register file (32 vector registers)
     * @param scores the caller's per-thread scratch, at least {@link #SCRATCH} floats
     */
    static void scoreTopK(QueryBlock queries, MemorySegment panels, long offset, int rowCount, boolean quads,
                          float[] thresholds, CandidateSink sink, float[] scores) {
        int dim = queries.dim();
        int count = queries.count();
        float[] q = queries.rowMajor();
        int vectors = (int) (RowPanels.paddedRows(rowCount) / L);
        int qa = 0;
        int whole = vectors / GROUP * GROUP;
        int left = vectors - whole;
        if (quads) {
            // Rows outside, queries inside: a group of row vectors (4 panels, 96 KB at d = 384) stays in L2
            // while every quad of queries is scored against it, so a list probed by many queries of a
            // super-block is read from memory once, not once per quad.
            int quadEnd = count / 4 * 4;
            for (int v = 0; v < whole; v += GROUP) {
                for (int qq = 0; qq < quadEnd; qq += 4) {
                    quad4(q, qq * dim, dim, panels, offset, v, scores);
                    offer(scores, GROUP, v, qq, 4, rowCount, thresholds, sink);
                }
            }
            if (left > 0) {
                long o0 = vectorAt(offset, whole, dim);
                long o1 = left > 1 ? vectorAt(offset, whole + 1, dim) : o0;
                long o2 = left > 2 ? vectorAt(offset, whole + 2, dim) : o0;
                for (int qq = 0; qq < quadEnd; qq += 4) {
                    quad3(q, qq * dim, dim, panels, o0, o1, o2, left, scores);
                    offer(scores, left, whole, qq, 4, rowCount, thresholds, sink);
                }
            }
            qa = quadEnd;
        }
        for (; qa < count; qa += 2) {
            // A lone last query has kernels of its own, with half the FMAs of a pair of itself and the same bits.
            int pair = Math.min(2, count - qa);
            for (int v = 0; v < whole; v += GROUP) {
                if (pair == 2) {
                    pair4(q, qa * dim, (qa + 1) * dim, dim, panels, offset, v, scores);
                } else {
                    one4(q, qa * dim, dim, panels, vectorAt(offset, v, dim), vectorAt(offset, v + 1, dim),
                            vectorAt(offset, v + 2, dim), vectorAt(offset, v + 3, dim), scores, 0);
                }
                offer(scores, GROUP, v, qa, pair, rowCount, thresholds, sink);
            }
            if (left > 0) {
                tailOf(q, qa, pair, dim, panels, offset, whole, left, scores);
                offer(scores, left, whole, qa, pair, rowCount, thresholds, sink);
            }
        }
    }

    /**
     * A pair of queries from {@code qa} (or a lone one, {@code pair == 1}) x the last {@code left} (1-3) row vectors
     * from {@code v}, in one pass: scored a row vector at a time, each pass was one or two FMA chains of dim steps
     * waiting on the FMA's latency, and the lists of a block at nlist 4,096 (51 rows on average) are mostly tail.
     */
    private static void tailOf(float[] q, int qa, int pair, int dim, MemorySegment panels, long offset, int v,
                               int left, float[] scores) {
        // A missing row vector is the first again (read from L1, its scores never stored).
        long o0 = vectorAt(offset, v, dim);
        long o1 = left > 1 ? vectorAt(offset, v + 1, dim) : o0;
        long o2 = left > 2 ? vectorAt(offset, v + 2, dim) : o0;
        if (pair == 2) {
            pair3(q, qa * dim, (qa + 1) * dim, dim, panels, o0, o1, o2, left, scores);
        } else {
            one3(q, qa * dim, dim, panels, o0, o1, o2, left, scores, 0);
        }
    }

    /**
     * {@link dev.quarry.vector.VectorKernels#scorePanels}: the same tiles as {@link #scoreTopK}, rows
     * outside and queries inside, each tile's scores copied into the query-major matrix instead of
     * compared. Row vector v covers rows {@code [v L, (v + 1) L)}, so a tile's scores of one query are one
     * contiguous run of the matrix. One query (an IVF list at nprobe 1) takes {@link #one} instead, and an
     * odd last query {@link #one4} and {@link #one3} rather than a pair of itself.
     */
    static void scores(QueryBlock queries, MemorySegment panels, long offset, int rowCount, boolean quads,
                       float[] out, int stride, float[] scratch) {
        int dim = queries.dim();
        int count = queries.count();
        float[] q = queries.rowMajor();
        int vectors = (int) (RowPanels.paddedRows(rowCount) / L);
        if (count == 1) {
            one(q, dim, panels, offset, vectors, quads, out);
            return;
        }
        int quadEnd = quads ? count / 4 * 4 : 0;
        int v = 0;
        for (; v + GROUP <= vectors; v += GROUP) {
            for (int qa = 0; qa < quadEnd; qa += 4) {
                quad4(q, qa * dim, dim, panels, offset, v, scratch);
                copy(scratch, GROUP, v, qa, 4, out, stride);
            }
            for (int qa = quadEnd; qa < count; qa += 2) {
                int pair = Math.min(2, count - qa);
                if (pair == 2) {
                    pair4(q, qa * dim, (qa + 1) * dim, dim, panels, offset, v, scratch);
                } else {
                    one4(q, qa * dim, dim, panels, vectorAt(offset, v, dim), vectorAt(offset, v + 1, dim),
                            vectorAt(offset, v + 2, dim), vectorAt(offset, v + 3, dim), scratch, 0);
                }
                copy(scratch, GROUP, v, qa, pair, out, stride);
            }
        }
        int left = vectors - v;
        if (left > 0) {
            long o0 = vectorAt(offset, v, dim);
            long o1 = left > 1 ? vectorAt(offset, v + 1, dim) : o0;
            long o2 = left > 2 ? vectorAt(offset, v + 2, dim) : o0;
            for (int qa = 0; qa < quadEnd; qa += 4) {
                quad3(q, qa * dim, dim, panels, o0, o1, o2, left, scratch);
                copy(scratch, left, v, qa, 4, out, stride);
            }
            for (int qa = quadEnd; qa < count; qa += 2) {
                int pair = Math.min(2, count - qa);
                tailOf(q, qa, pair, dim, panels, offset, v, left, scratch);
                copy(scratch, left, v, qa, pair, out, stride);
            }
        }
    }

    /**
     * One query against {@code vectors} row vectors, its scores straight into {@code out[0, vectors L)}.
     * The list stage of a trainer's call at nprobe 1 is this: each list (about 250 rows, 16 row vectors at
     * d = 384 and 16 lanes) read once from memory for one query, so its speed is how many of the list's
     * cache lines are on their way at once. Eight row vectors a step (eight streams, 4 KB pages apart, one
     * broadcast and eight FMAs each) where the register file holds them, then four, then the last one to
     * three together in one pass: one query scored as a pair of itself (twice the FMAs and broadcasts per
     * line) with its tail one row vector at a time (one stream a pass) streamed at about three quarters of
     * this speed (bench/README.md, "The list stage of one query"). Each lane is still one FMA chain in
     * component order from zero, so the bits are those of {@link #pair4} and {@link #pair3}.
     */
    private static void one(float[] q, int dim, MemorySegment panels, long offset, int vectors, boolean wide,
                            float[] out) {
        int v = 0;
        if (wide) { // 8 accumulators and 8 row vectors in flight need the 32-register file
            for (; v + 2 * GROUP <= vectors; v += 2 * GROUP) {
                one8(q, dim, panels, offset, v, out);
            }
        }
        for (; v + GROUP <= vectors; v += GROUP) {
            one4(q, 0, dim, panels, vectorAt(offset, v, dim), vectorAt(offset, v + 1, dim),
                    vectorAt(offset, v + 2, dim), vectorAt(offset, v + 3, dim), out, v * L);
        }
        int left = vectors - v;
        if (left > 0) {
            // The last one to three row vectors in one pass; a missing one reads the first again (from L1), unstored.
            long o0 = vectorAt(offset, v, dim);
            long o1 = left > 1 ? vectorAt(offset, v + 1, dim) : o0;
            long o2 = left > 2 ? vectorAt(offset, v + 2, dim) : o0;
            one3(q, 0, dim, panels, o0, o1, o2, left, out, v * L);
        }
    }

    /** One query x eight row vectors from {@code v}; its scores go to {@code out[v L, (v + 8) L)}. */
    private static void one8(float[] q, int dim, MemorySegment panels, long offset, int v, float[] out) {
        long o0 = vectorAt(offset, v, dim);
        long o1 = vectorAt(offset, v + 1, dim);
        long o2 = vectorAt(offset, v + 2, dim);
        long o3 = vectorAt(offset, v + 3, dim);
        long o4 = vectorAt(offset, v + 4, dim);
        long o5 = vectorAt(offset, v + 5, dim);
        long o6 = vectorAt(offset, v + 6, dim);
        long o7 = vectorAt(offset, v + 7, dim);
        long step = 4L * RowPanels.ROWS;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        FloatVector a4 = FloatVector.zero(S);
        FloatVector a5 = FloatVector.zero(S);
        FloatVector a6 = FloatVector.zero(S);
        FloatVector a7 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            long at = step * k;
            FloatVector qa = FloatVector.broadcast(S, q[k]);
            a0 = qa.fma(FloatVector.fromMemorySegment(S, panels, o0 + at, LE), a0);
            a1 = qa.fma(FloatVector.fromMemorySegment(S, panels, o1 + at, LE), a1);
            a2 = qa.fma(FloatVector.fromMemorySegment(S, panels, o2 + at, LE), a2);
            a3 = qa.fma(FloatVector.fromMemorySegment(S, panels, o3 + at, LE), a3);
            a4 = qa.fma(FloatVector.fromMemorySegment(S, panels, o4 + at, LE), a4);
            a5 = qa.fma(FloatVector.fromMemorySegment(S, panels, o5 + at, LE), a5);
            a6 = qa.fma(FloatVector.fromMemorySegment(S, panels, o6 + at, LE), a6);
            a7 = qa.fma(FloatVector.fromMemorySegment(S, panels, o7 + at, LE), a7);
        }
        int b = v * L;
        a0.intoArray(out, b);
        a1.intoArray(out, b + L);
        a2.intoArray(out, b + 2 * L);
        a3.intoArray(out, b + 3 * L);
        a4.intoArray(out, b + 4 * L);
        a5.intoArray(out, b + 5 * L);
        a6.intoArray(out, b + 6 * L);
        a7.intoArray(out, b + 7 * L);
    }

    /**
     * The query at {@code q[a, a + dim)} x the four row vectors at {@code o0..o3}; its scores go to
     * {@code out[b, b + 4L)}, as {@link #pair4} lays out query a's.
     */
    private static void one4(float[] q, int a, int dim, MemorySegment panels, long o0, long o1, long o2, long o3,
                             float[] out, int b) {
        long step = 4L * RowPanels.ROWS;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            long at = step * k;
            FloatVector qa = FloatVector.broadcast(S, q[a + k]);
            a0 = qa.fma(FloatVector.fromMemorySegment(S, panels, o0 + at, LE), a0);
            a1 = qa.fma(FloatVector.fromMemorySegment(S, panels, o1 + at, LE), a1);
            a2 = qa.fma(FloatVector.fromMemorySegment(S, panels, o2 + at, LE), a2);
            a3 = qa.fma(FloatVector.fromMemorySegment(S, panels, o3 + at, LE), a3);
        }
        a0.intoArray(out, b);
        a1.intoArray(out, b + L);
        a2.intoArray(out, b + 2 * L);
        a3.intoArray(out, b + 3 * L);
    }

    /**
     * The query at {@code q[a, a + dim)} x the row vectors at {@code o0..o2}, the first {@code n} of them stored
     * from {@code out[b]}.
     */
    private static void one3(float[] q, int a, int dim, MemorySegment panels, long o0, long o1, long o2, int n,
                             float[] out, int b) {
        long step = 4L * RowPanels.ROWS;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            long at = step * k;
            FloatVector qa = FloatVector.broadcast(S, q[a + k]);
            a0 = qa.fma(FloatVector.fromMemorySegment(S, panels, o0 + at, LE), a0);
            a1 = qa.fma(FloatVector.fromMemorySegment(S, panels, o1 + at, LE), a1);
            a2 = qa.fma(FloatVector.fromMemorySegment(S, panels, o2 + at, LE), a2);
        }
        a0.intoArray(out, b);
        if (n > 1) {
            a1.intoArray(out, b + L);
        }
        if (n > 2) {
            a2.intoArray(out, b + 2 * L);
        }
    }

    /** Copies the scores of {@code n} row vectors from {@code v} for queries {@code [q0, q0 + queries)} into the matrix. */
    private static void copy(float[] scratch, int n, int v, int q0, int queries, float[] out, int stride) {
        for (int i = 0; i < queries; i++) {
            System.arraycopy(scratch, i * GROUP * L, out, (q0 + i) * stride + v * L, n * L);
        }
    }

    /** Byte offset of component 0 of row vector {@code v}. */
    private static long vectorAt(long offset, int v, int dim) {
        return offset + 4L * ((long) (v / PER_PANEL) * RowPanels.ROWS * dim + (v % PER_PANEL) * L);
    }

    /** Four queries x four row vectors; query j's scores go to scores[4Lj, 4L(j + 1)). */
    private static void quad4(float[] q, int a, int dim, MemorySegment panels, long offset, int v, float[] scores) {
        long o0 = vectorAt(offset, v, dim);
        long o1 = vectorAt(offset, v + 1, dim);
        long o2 = vectorAt(offset, v + 2, dim);
        long o3 = vectorAt(offset, v + 3, dim);
        long step = 4L * RowPanels.ROWS;
        int b = a + dim;
        int c = b + dim;
        int d = c + dim;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S);
        FloatVector b1 = FloatVector.zero(S);
        FloatVector b2 = FloatVector.zero(S);
        FloatVector b3 = FloatVector.zero(S);
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S);
        FloatVector d0 = FloatVector.zero(S);
        FloatVector d1 = FloatVector.zero(S);
        FloatVector d2 = FloatVector.zero(S);
        FloatVector d3 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            long at = step * k;
            FloatVector r0 = FloatVector.fromMemorySegment(S, panels, o0 + at, LE);
            FloatVector r1 = FloatVector.fromMemorySegment(S, panels, o1 + at, LE);
            FloatVector r2 = FloatVector.fromMemorySegment(S, panels, o2 + at, LE);
            FloatVector r3 = FloatVector.fromMemorySegment(S, panels, o3 + at, LE);
            FloatVector qa = FloatVector.broadcast(S, q[a + k]);
            a0 = qa.fma(r0, a0);
            a1 = qa.fma(r1, a1);
            a2 = qa.fma(r2, a2);
            a3 = qa.fma(r3, a3);
            FloatVector qb = FloatVector.broadcast(S, q[b + k]);
            b0 = qb.fma(r0, b0);
            b1 = qb.fma(r1, b1);
            b2 = qb.fma(r2, b2);
            b3 = qb.fma(r3, b3);
            FloatVector qc = FloatVector.broadcast(S, q[c + k]);
            c0 = qc.fma(r0, c0);
            c1 = qc.fma(r1, c1);
            c2 = qc.fma(r2, c2);
            c3 = qc.fma(r3, c3);
            FloatVector qd = FloatVector.broadcast(S, q[d + k]);
            d0 = qd.fma(r0, d0);
            d1 = qd.fma(r1, d1);
            d2 = qd.fma(r2, d2);
            d3 = qd.fma(r3, d3);
        }
        a0.intoArray(scores, 0);
        a1.intoArray(scores, L);
        a2.intoArray(scores, 2 * L);
        a3.intoArray(scores, 3 * L);
        b0.intoArray(scores, GROUP * L);
        b1.intoArray(scores, GROUP * L + L);
        b2.intoArray(scores, GROUP * L + 2 * L);
        b3.intoArray(scores, GROUP * L + 3 * L);
        c0.intoArray(scores, 2 * GROUP * L);
        c1.intoArray(scores, 2 * GROUP * L + L);
        c2.intoArray(scores, 2 * GROUP * L + 2 * L);
        c3.intoArray(scores, 2 * GROUP * L + 3 * L);
        d0.intoArray(scores, 3 * GROUP * L);
        d1.intoArray(scores, 3 * GROUP * L + L);
        d2.intoArray(scores, 3 * GROUP * L + 2 * L);
        d3.intoArray(scores, 3 * GROUP * L + 3 * L);
    }

    /** Two queries x four row vectors; query a's scores go to scores[0, 4L), b's to [4L, 8L). */
    private static void pair4(float[] q, int a, int b, int dim, MemorySegment panels, long offset, int v,
                               float[] scores) {
        long o0 = vectorAt(offset, v, dim);
        long o1 = vectorAt(offset, v + 1, dim);
        long o2 = vectorAt(offset, v + 2, dim);
        long o3 = vectorAt(offset, v + 3, dim);
        long step = 4L * RowPanels.ROWS;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S);
        FloatVector b1 = FloatVector.zero(S);
        FloatVector b2 = FloatVector.zero(S);
        FloatVector b3 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            long at = step * k;
            FloatVector r0 = FloatVector.fromMemorySegment(S, panels, o0 + at, LE);
            FloatVector r1 = FloatVector.fromMemorySegment(S, panels, o1 + at, LE);
            FloatVector r2 = FloatVector.fromMemorySegment(S, panels, o2 + at, LE);
            FloatVector r3 = FloatVector.fromMemorySegment(S, panels, o3 + at, LE);
            FloatVector qa = FloatVector.broadcast(S, q[a + k]);
            a0 = qa.fma(r0, a0);
            a1 = qa.fma(r1, a1);
            a2 = qa.fma(r2, a2);
            a3 = qa.fma(r3, a3);
            FloatVector qb = FloatVector.broadcast(S, q[b + k]);
            b0 = qb.fma(r0, b0);
            b1 = qb.fma(r1, b1);
            b2 = qb.fma(r2, b2);
            b3 = qb.fma(r3, b3);
        }
        a0.intoArray(scores, 0);
        a1.intoArray(scores, L);
        a2.intoArray(scores, 2 * L);
        a3.intoArray(scores, 3 * L);
        b0.intoArray(scores, GROUP * L);
        b1.intoArray(scores, GROUP * L + L);
        b2.intoArray(scores, GROUP * L + 2 * L);
        b3.intoArray(scores, GROUP * L + 3 * L);
    }

    /**
     * Four queries x the row vectors at {@code o0..o2} (the last one to three of a list, in one pass); query j's
     * scores of the first {@code n} go to {@code scores[4Lj + iL]}, as {@link #quad4} lays them out.
     */
    private static void quad3(float[] q, int a, int dim, MemorySegment panels, long o0, long o1, long o2, int n,
                              float[] scores) {
        long step = 4L * RowPanels.ROWS;
        int b = a + dim;
        int c = b + dim;
        int d = c + dim;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S);
        FloatVector b1 = FloatVector.zero(S);
        FloatVector b2 = FloatVector.zero(S);
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S);
        FloatVector d0 = FloatVector.zero(S);
        FloatVector d1 = FloatVector.zero(S);
        FloatVector d2 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            long at = step * k;
            FloatVector r0 = FloatVector.fromMemorySegment(S, panels, o0 + at, LE);
            FloatVector r1 = FloatVector.fromMemorySegment(S, panels, o1 + at, LE);
            FloatVector r2 = FloatVector.fromMemorySegment(S, panels, o2 + at, LE);
            FloatVector qa = FloatVector.broadcast(S, q[a + k]);
            a0 = qa.fma(r0, a0);
            a1 = qa.fma(r1, a1);
            a2 = qa.fma(r2, a2);
            FloatVector qb = FloatVector.broadcast(S, q[b + k]);
            b0 = qb.fma(r0, b0);
            b1 = qb.fma(r1, b1);
            b2 = qb.fma(r2, b2);
            FloatVector qc = FloatVector.broadcast(S, q[c + k]);
            c0 = qc.fma(r0, c0);
            c1 = qc.fma(r1, c1);
            c2 = qc.fma(r2, c2);
            FloatVector qd = FloatVector.broadcast(S, q[d + k]);
            d0 = qd.fma(r0, d0);
            d1 = qd.fma(r1, d1);
            d2 = qd.fma(r2, d2);
        }
        store3(a0, a1, a2, n, scores, 0);
        store3(b0, b1, b2, n, scores, GROUP * L);
        store3(c0, c1, c2, n, scores, 2 * GROUP * L);
        store3(d0, d1, d2, n, scores, 3 * GROUP * L);
    }

    /**
     * Two queries x the row vectors at {@code o0..o2} (the last one to three of a list, in one pass); query a's
     * scores of the first {@code n} go to {@code scores[iL]}, b's to {@code scores[4L + iL]}, as {@link #pair4}
     * lays them out.
     */
    private static void pair3(float[] q, int a, int b, int dim, MemorySegment panels, long o0, long o1, long o2,
                              int n, float[] scores) {
        long step = 4L * RowPanels.ROWS;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S);
        FloatVector b1 = FloatVector.zero(S);
        FloatVector b2 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            long at = step * k;
            FloatVector r0 = FloatVector.fromMemorySegment(S, panels, o0 + at, LE);
            FloatVector r1 = FloatVector.fromMemorySegment(S, panels, o1 + at, LE);
            FloatVector r2 = FloatVector.fromMemorySegment(S, panels, o2 + at, LE);
            FloatVector qa = FloatVector.broadcast(S, q[a + k]);
            a0 = qa.fma(r0, a0);
            a1 = qa.fma(r1, a1);
            a2 = qa.fma(r2, a2);
            FloatVector qb = FloatVector.broadcast(S, q[b + k]);
            b0 = qb.fma(r0, b0);
            b1 = qb.fma(r1, b1);
            b2 = qb.fma(r2, b2);
        }
        store3(a0, a1, a2, n, scores, 0);
        store3(b0, b1, b2, n, scores, GROUP * L);
    }

    /** Stores the first {@code n} (1-3) of three row vectors' scores from {@code out[b]}, L apart. */
    static void store3(FloatVector s0, FloatVector s1, FloatVector s2, int n, float[] out, int b) {
        s0.intoArray(out, b);
        if (n > 1) {
            s1.intoArray(out, b + L);
        }
        if (n > 2) {
            s2.intoArray(out, b + 2 * L);
        }
    }

    /**
     * Offers the scores of {@code n} row vectors from {@code v} that pass their query's threshold, for
     * queries {@code [q0, q0 + queries)}, whose scores start {@code 4L} floats apart (the layout of the
     * code-panel kernels too).
     */
    static void offer(float[] scores, int n, int v, int q0, int queries, int rowCount, float[] thresholds,
                              CandidateSink sink) {
        for (int j = 0; j < n; j++) {
            int row0 = (v + j) / PER_PANEL * RowPanels.ROWS + (v + j) % PER_PANEL * L;
            int live = Math.min(L, rowCount - row0);
            if (live <= 0) {
                continue;
            }
            // The live lanes as bits, not a mask: a mask passed to a method that is not inlined is boxed,
            // and every box allocates its lanes.
            long rows = live >= 64 ? -1L : (1L << live) - 1;
            for (int i = 0; i < queries; i++) {
                offerPassing(scores, i * GROUP * L + j * L, row0, q0 + i, rows, thresholds, sink);
            }
        }
    }

    private static void offerPassing(float[] scores, int at, int row0, int query, long rows,
                                     float[] thresholds, CandidateSink sink) {
        FloatVector s = FloatVector.fromArray(S, scores, at);
        long bits = s.compare(VectorOperators.GE, thresholds[query]).toLong() & rows;
        while (bits != 0) {
            int lane = Long.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            // The sink may raise the threshold: later lanes are compared with the raised value.
            float score = scores[at + lane];
            if (score >= thresholds[query]) {
                sink.offer(query, row0 + lane, score);
            }
        }
    }
}
