package dev.quarry.vector.internal;

import dev.quarry.vector.CandidateSink;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.RowPanels;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float queries against rows stored as signed one-byte codes in panels, rows in the lanes: per
 * component, one load of L codes (L bytes), widened to L floats ({@code B2F}: sign extension and
 * conversion, exact for every byte), one broadcast per query and one FMA per query. A row costs a
 * quarter of the bytes of a float32 row, and the lists of a trainer's call are read from memory, so
 * the scan reads 4x less; the widening is the price, paid once per loaded vector and shared by every
 * query of the group. Each lane is one FMA chain in component order from zero, as the scalar oracle
 * computes it, so the two give the same bits.
 *
 * <p>The CPU's int8 dot-product instructions (AVX-512 VNNI) are not reachable through the Vector API;
 * integer products would also need the query quantized. Widening the codes keeps the query exact.
 */
final class CodePanelKernels {
    static final VectorSpecies<Float> S = PanamaVectorKernels.S;
    static final int L = PanamaVectorKernels.L;
    /** Whether this vector width has a byte species of L lanes (64 bits or more: 8 or 16 lanes). */
    static final boolean SUPPORTED = L >= 8 && L <= RowPanels.ROWS;
    private static final VectorSpecies<Byte> B = SUPPORTED ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L))
            : ByteVector.SPECIES_64;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int PER_PANEL = RowPanels.ROWS / L;
    private static final int GROUP = 4;
    private static final VectorOperators.Conversion<Byte, Float> B2F = VectorOperators.B2F;
    // Each kernel loads and widens its codes in its own loop, with no method of this class between: a helper
    // returning the widened FloatVector was compiled as a real call whenever C2 declined to inline it (the kernel
    // inlined into scoreTopK past NodeCountInliningCutoff, or at a "low call site frequency" in an early profile),
    // and a vector returned from a call is boxed: 5-440 MB allocated a call in such JVMs against 78 KB. The Vector
    // API's own methods are force-inlined, so a kernel whose vectors never leave it compiles to registers whatever
    // C2 decides about the kernel itself.

    private CodePanelKernels() {
    }

    /**
     * {@link dev.quarry.vector.VectorKernels#scoreCodePanelsTopK} with rows in the lanes.
     *
     * @param quads whether groups of four queries fit the register file (32 vector registers)
     * @param scores the caller's per-thread scratch, at least {@link PanelKernels#SCRATCH} floats
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
        // The last one to three row vectors in one pass against each group of queries: one pass per row vector
        // was one or two chains of dim FMAs waiting on the FMA's latency, and most lists of 51 rows (nlist 4,096
        // over 208k) end in a tail. A missing row vector reads the first again (from L1), its scores unstored.
        long t0 = vectorAt(offset, whole, dim);
        long t1 = left > 1 ? vectorAt(offset, whole + 1, dim) : t0;
        long t2 = left > 2 ? vectorAt(offset, whole + 2, dim) : t0;
        if (quads) {
            for (; qa + 4 <= count; qa += 4) {
                for (int v = 0; v < whole; v += GROUP) {
                    quad4(q, qa * dim, dim, panels, offset, v, scores);
                    PanelKernels.offer(scores, GROUP, v, qa, 4, rowCount, thresholds, sink);
                }
                if (left > 0) {
                    quad3(q, qa * dim, dim, panels, t0, t1, t2, left, scores);
                    PanelKernels.offer(scores, left, whole, qa, 4, rowCount, thresholds, sink);
                }
            }
        }
        for (; qa + 2 <= count; qa += 2) {
            for (int v = 0; v < whole; v += GROUP) {
                pair4(q, qa * dim, (qa + 1) * dim, dim, panels, offset, v, scores);
                PanelKernels.offer(scores, GROUP, v, qa, 2, rowCount, thresholds, sink);
            }
            if (left > 0) {
                pair3(q, qa * dim, (qa + 1) * dim, dim, panels, t0, t1, t2, left, scores);
                PanelKernels.offer(scores, left, whole, qa, 2, rowCount, thresholds, sink);
            }
        }
        if (qa < count) { // one query left: a trainer's list is often probed by one anchor alone
            for (int v = 0; v < whole; v += GROUP) {
                solo4(q, qa * dim, dim, panels, offset, v, scores);
                PanelKernels.offer(scores, GROUP, v, qa, 1, rowCount, thresholds, sink);
            }
            if (left > 0) {
                solo3(q, qa * dim, dim, panels, t0, t1, t2, left, scores);
                PanelKernels.offer(scores, left, whole, qa, 1, rowCount, thresholds, sink);
            }
        }
    }

    /** Byte offset of component 0 of row vector {@code v}. */
    private static long vectorAt(long offset, int v, int dim) {
        return offset + (long) (v / PER_PANEL) * RowPanels.ROWS * dim + (long) (v % PER_PANEL) * L;
    }

    /** Four queries x four row vectors; query j's scores go to scores[4Lj, 4L(j + 1)). */
    private static void quad4(float[] q, int a, int dim, MemorySegment panels, long offset, int v, float[] scores) {
        long o0 = vectorAt(offset, v, dim);
        long o1 = vectorAt(offset, v + 1, dim);
        long o2 = vectorAt(offset, v + 2, dim);
        long o3 = vectorAt(offset, v + 3, dim);
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
            long at = (long) RowPanels.ROWS * k;
            FloatVector r0 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o0 + at, LE).convertShape(B2F, S, 0);
            FloatVector r1 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o1 + at, LE).convertShape(B2F, S, 0);
            FloatVector r2 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o2 + at, LE).convertShape(B2F, S, 0);
            FloatVector r3 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o3 + at, LE).convertShape(B2F, S, 0);
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
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S);
        FloatVector b1 = FloatVector.zero(S);
        FloatVector b2 = FloatVector.zero(S);
        FloatVector b3 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            long at = (long) RowPanels.ROWS * k;
            FloatVector r0 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o0 + at, LE).convertShape(B2F, S, 0);
            FloatVector r1 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o1 + at, LE).convertShape(B2F, S, 0);
            FloatVector r2 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o2 + at, LE).convertShape(B2F, S, 0);
            FloatVector r3 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o3 + at, LE).convertShape(B2F, S, 0);
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

    /** One query x four row vectors; the scores go to scores[0, 4L). */
    private static void solo4(float[] q, int a, int dim, MemorySegment panels, long offset, int v, float[] scores) {
        long o0 = vectorAt(offset, v, dim);
        long o1 = vectorAt(offset, v + 1, dim);
        long o2 = vectorAt(offset, v + 2, dim);
        long o3 = vectorAt(offset, v + 3, dim);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            long at = (long) RowPanels.ROWS * k;
            FloatVector qa = FloatVector.broadcast(S, q[a + k]);
            FloatVector r0 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o0 + at, LE).convertShape(B2F, S, 0);
            a0 = qa.fma(r0, a0);
            FloatVector r1 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o1 + at, LE).convertShape(B2F, S, 0);
            a1 = qa.fma(r1, a1);
            FloatVector r2 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o2 + at, LE).convertShape(B2F, S, 0);
            a2 = qa.fma(r2, a2);
            FloatVector r3 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o3 + at, LE).convertShape(B2F, S, 0);
            a3 = qa.fma(r3, a3);
        }
        a0.intoArray(scores, 0);
        a1.intoArray(scores, L);
        a2.intoArray(scores, 2 * L);
        a3.intoArray(scores, 3 * L);
    }

    /**
     * Four queries x the row vectors at {@code o0..o2} (a list's last one to three); query j's scores of the
     * first {@code n} go to {@code scores[4Lj + iL]}, as {@link #quad4} lays them out.
     */
    private static void quad3(float[] q, int a, int dim, MemorySegment panels, long o0, long o1, long o2, int n,
                              float[] scores) {
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
            long at = (long) RowPanels.ROWS * k;
            FloatVector r0 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o0 + at, LE).convertShape(B2F, S, 0);
            FloatVector r1 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o1 + at, LE).convertShape(B2F, S, 0);
            FloatVector r2 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o2 + at, LE).convertShape(B2F, S, 0);
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
        PanelKernels.store3(a0, a1, a2, n, scores, 0);
        PanelKernels.store3(b0, b1, b2, n, scores, GROUP * L);
        PanelKernels.store3(c0, c1, c2, n, scores, 2 * GROUP * L);
        PanelKernels.store3(d0, d1, d2, n, scores, 3 * GROUP * L);
    }

    /**
     * Two queries x the row vectors at {@code o0..o2} (a list's last one to three); query a's scores of the first
     * {@code n} go to {@code scores[iL]}, b's to {@code scores[4L + iL]}, as {@link #pair4} lays them out.
     */
    private static void pair3(float[] q, int a, int b, int dim, MemorySegment panels, long o0, long o1, long o2,
                              int n, float[] scores) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S);
        FloatVector b1 = FloatVector.zero(S);
        FloatVector b2 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            long at = (long) RowPanels.ROWS * k;
            FloatVector r0 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o0 + at, LE).convertShape(B2F, S, 0);
            FloatVector r1 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o1 + at, LE).convertShape(B2F, S, 0);
            FloatVector r2 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o2 + at, LE).convertShape(B2F, S, 0);
            FloatVector qa = FloatVector.broadcast(S, q[a + k]);
            a0 = qa.fma(r0, a0);
            a1 = qa.fma(r1, a1);
            a2 = qa.fma(r2, a2);
            FloatVector qb = FloatVector.broadcast(S, q[b + k]);
            b0 = qb.fma(r0, b0);
            b1 = qb.fma(r1, b1);
            b2 = qb.fma(r2, b2);
        }
        PanelKernels.store3(a0, a1, a2, n, scores, 0);
        PanelKernels.store3(b0, b1, b2, n, scores, GROUP * L);
    }

    /** One query x the row vectors at {@code o0..o2} (a list's last one to three); the first n to scores[iL]. */
    private static void solo3(float[] q, int a, int dim, MemorySegment panels, long o0, long o1, long o2, int n,
                              float[] scores) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        for (int k = 0; k < dim; k++) {
            long at = (long) RowPanels.ROWS * k;
            FloatVector qa = FloatVector.broadcast(S, q[a + k]);
            FloatVector r0 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o0 + at, LE).convertShape(B2F, S, 0);
            a0 = qa.fma(r0, a0);
            FloatVector r1 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o1 + at, LE).convertShape(B2F, S, 0);
            a1 = qa.fma(r1, a1);
            FloatVector r2 = (FloatVector) ByteVector.fromMemorySegment(B, panels, o2 + at, LE).convertShape(B2F, S, 0);
            a2 = qa.fma(r2, a2);
        }
        PanelKernels.store3(a0, a1, a2, n, scores, 0);
    }
}
