package dev.quarry.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Kernels for a process too short for the JIT to compile the SIMD ones: until {@link #warmUp()} is
 * called, the block and panel kernels run as plain loops over heap copies of the rows, one fused
 * multiply-add per component in component order from zero, which is the arithmetic of every lane of
 * the SIMD block kernels ({@link LaneDot}); so every score has the bits the SIMD kernels give, before
 * and after the switch. The exact selections ({@link #indicesAtLeast}, {@link #countAtLeast}) run as plain
 * loops until then too. {@link #warmUp()} warms the SIMD kernels and hands every call to them from then
 * on; every other method is always theirs.
 *
 * <p>Why: the Vector API runs in the interpreter and the profiling tier at a box per vector operation,
 * hundreds of times slower than compiled, and C2 takes about a second to compile the micro-kernels. A
 * run of a few dozen anchors (a user trying the command, a test's fixture) is over long before then,
 * and spends most of its seconds in those uncompiled kernels; plain loops over float arrays are
 * compiled by the first tier within milliseconds. A run big enough to pay for the warm-up
 * ({@code MiningRunner}) calls {@link #warmUp()} first and so never takes the plain loops.
 *
 * <p>Thread-safe: the switch is a volatile flag, read once per call.
 */
public final class ColdStartKernels implements VectorKernels {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Rows whose dot products run side by side (independent FMA chains, one per row). */
    private static final int ROWS_AT_ONCE = 4;

    private final VectorKernels simd;
    /** The exact selections' plain loops (no rounding: the same answer as the SIMD ones, bit for bit). */
    private final ScalarVectorKernels plain = new ScalarVectorKernels();
    private volatile boolean warm;
    private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[0]);

    /** Plain loops until {@link #warmUp()}, {@code simd} after it and for everything else. */
    public ColdStartKernels(VectorKernels simd) {
        this.simd = simd;
    }

    /**
     * {@code kernels} with plain loops until warmed up, or {@code kernels} itself when they are the scalar
     * kernels (already plain loops, of their own arithmetic: switching would change the bits a run gets).
     */
    public static VectorKernels around(VectorKernels kernels) {
        return kernels instanceof ScalarVectorKernels || kernels instanceof ColdStartKernels ? kernels
                : new ColdStartKernels(kernels);
    }

    /** Whether calls are handed to the SIMD kernels (after {@link #warmUp()}). */
    public boolean warm() {
        return warm;
    }

    @Override
    public String description() {
        return simd.description() + (warm ? "" : " (plain loops until warmed up)");
    }

    @Override
    public String toString() {
        return description();
    }

    @Override
    public void warmUp() {
        simd.warmUp();
        warm = true;
    }

    @Override
    public float dot(float[] a, float[] b, int dim) {
        return simd.dot(a, b, dim);
    }

    @Override
    public float dot(float[] query, MemorySegment rows, long offset, int dim) {
        return simd.dot(query, rows, offset, dim);
    }

    @Override
    public float dot(MemorySegment a, long aOffset, MemorySegment b, long bOffset, int dim) {
        return simd.dot(a, aOffset, b, bOffset, dim);
    }

    @Override
    public void dotRows(float[] query, int dim, MemorySegment rows, long firstRowOffset, long rowStride,
                        int rowCount, float[] out, int outOffset) {
        simd.dotRows(query, dim, rows, firstRowOffset, rowStride, rowCount, out, outOffset);
    }

    @Override
    public void scoreBlock(QueryBlock queries, MemorySegment rows, long firstRowOffset, long rowStride,
                           int rowCount, float[] scores) {
        if (warm) {
            simd.scoreBlock(queries, rows, firstRowOffset, rowStride, rowCount, scores);
            return;
        }
        int dim = queries.dim();
        int n = queries.count();
        float[] r = rowsOf(rows, firstRowOffset, rowStride, rowCount, dim);
        float[] q = queries.rowMajor();
        for (int row = 0; row < rowCount; row++) {
            for (int qi = 0; qi < n; qi++) {
                scores[row * n + qi] = laneDot(q, qi * dim, r, row * dim, dim);
            }
        }
    }

    @Override
    public void scoreBlockTopK(QueryBlock queries, MemorySegment rows, long firstRowOffset, long rowStride,
                               int rowCount, float[] thresholds, CandidateSink sink) {
        if (warm) {
            simd.scoreBlockTopK(queries, rows, firstRowOffset, rowStride, rowCount, thresholds, sink);
            return;
        }
        int dim = queries.dim();
        offerAll(queries, rowsOf(rows, firstRowOffset, rowStride, rowCount, dim), rowCount, thresholds, sink);
    }

    @Override
    public void scorePanelsTopK(QueryBlock queries, MemorySegment panels, long offset, int rowCount,
                                float[] thresholds, CandidateSink sink) {
        if (warm) {
            simd.scorePanelsTopK(queries, panels, offset, rowCount, thresholds, sink);
            return;
        }
        float[] raw = panelsOf(panels, offset, rowCount, queries.dim());
        offerPanels(queries, rowCount, thresholds, sink,
                (q, qFrom, panelFrom, dim, out) -> panelDots(q, qFrom, raw, panelFrom, dim, out));
    }

    @Override
    public void scorePanels(QueryBlock queries, MemorySegment panels, long offset, int rowCount, float[] scores,
                            int stride) {
        if (warm) {
            simd.scorePanels(queries, panels, offset, rowCount, scores, stride);
            return;
        }
        int dim = queries.dim();
        float[] raw = panelsOf(panels, offset, rowCount, dim);
        float[] q = queries.rowMajor();
        float[] sixteen = new float[RowPanels.ROWS];
        for (int qi = 0; qi < queries.count(); qi++) {
            for (int first = 0; first < rowCount; first += RowPanels.ROWS) {
                panelDots(q, qi * dim, raw, first * dim, dim, sixteen);
                System.arraycopy(sixteen, 0, scores, qi * stride + first,
                        Math.min(RowPanels.ROWS, rowCount - first));
            }
        }
    }

    @Override
    public void scoreCodePanelsTopK(QueryBlock queries, MemorySegment panels, long offset, int rowCount,
                                    float[] thresholds, CandidateSink sink) {
        if (warm) {
            simd.scoreCodePanelsTopK(queries, panels, offset, rowCount, thresholds, sink);
            return;
        }
        int padded = Math.toIntExact(RowPanels.paddedRows(rowCount) * queries.dim());
        byte[] codes = new byte[padded];
        MemorySegment.copy(panels, ValueLayout.JAVA_BYTE, offset, codes, 0, padded);
        float[] panel = new float[RowPanels.ROWS * queries.dim()];
        int[] widened = {-1}; // the panel now in `panel`: offerPanels asks for every query of a panel in turn
        offerPanels(queries, rowCount, thresholds, sink, (q, qFrom, panelFrom, dim, out) -> {
            if (widened[0] != panelFrom) {
                for (int i = 0; i < panel.length; i++) {
                    panel[i] = codes[panelFrom + i]; // exact for every byte: the float each code stands for
                }
                widened[0] = panelFrom;
            }
            panelDots(q, qFrom, panel, 0, dim, out);
        });
    }

    @Override
    public int indicesAtLeast(float[] values, int from, int n, float threshold, int[] rows) {
        return warm ? simd.indicesAtLeast(values, from, n, threshold, rows)
                : plain.indicesAtLeast(values, from, n, threshold, rows);
    }

    @Override
    public int countAtLeast(int[] values, int n, int threshold) {
        // A k-th best by bisection counts a few hundred ints some 25 times a query: in the interpreter the
        // SIMD count boxes every vector, and it made a 50-anchor run 1.12x slower than the histograms it replaced.
        return warm ? simd.countAtLeast(values, n, threshold) : plain.countAtLeast(values, n, threshold);
    }

    @Override
    public void laneDots(float[] query, int dim, MemorySegment rows, long[] offsets, int count, float[] out) {
        if (warm) {
            simd.laneDots(query, dim, rows, offsets, count, out);
            return;
        }
        float[] row = scratch(dim);
        for (int j = 0; j < count; j++) {
            MemorySegment.copy(rows, FLOAT, offsets[j], row, 0, dim);
            out[j] = laneDot(query, 0, row, 0, dim);
        }
    }

    @Override
    public void prepare(QueryBlock queries) {
        simd.prepare(queries);
    }

    @Override
    public float squaredNorm(float[] v, int offset, int dim) {
        return simd.squaredNorm(v, offset, dim);
    }

    @Override
    public float squaredNorm(MemorySegment v, long offset, int dim) {
        return simd.squaredNorm(v, offset, dim);
    }

    @Override
    public float normalize(float[] v, int offset, int dim) {
        return simd.normalize(v, offset, dim);
    }

    @Override
    public void scale(float[] v, int offset, int dim, float factor) {
        simd.scale(v, offset, dim, factor);
    }

    @Override
    public void axpy(float a, float[] x, int xOffset, float[] y, int yOffset, int dim) {
        simd.axpy(a, x, xOffset, y, yOffset, dim);
    }

    /** Every (query, row) score of rows stored one after another, offered when it reaches the query's threshold. */
    private static void offerAll(QueryBlock queries, float[] r, int rowCount, float[] thresholds, CandidateSink sink) {
        int dim = queries.dim();
        float[] q = queries.rowMajor();
        float[] four = new float[ROWS_AT_ONCE];
        int row = 0;
        for (; row + ROWS_AT_ONCE <= rowCount; row += ROWS_AT_ONCE) {
            for (int qi = 0; qi < queries.count(); qi++) {
                laneDots4(q, qi * dim, r, row * dim, dim, four);
                for (int j = 0; j < ROWS_AT_ONCE; j++) {
                    if (four[j] >= thresholds[qi]) { // read again: the sink may have raised it
                        sink.offer(qi, row + j, four[j]);
                    }
                }
            }
        }
        for (; row < rowCount; row++) {
            for (int qi = 0; qi < queries.count(); qi++) {
                float s = laneDot(q, qi * dim, r, row * dim, dim);
                if (s >= thresholds[qi]) {
                    sink.offer(qi, row, s);
                }
            }
        }
    }

    /** {@link LaneDot#dot}'s arithmetic over heap arrays. */
    private static float laneDot(float[] q, int qFrom, float[] r, int rFrom, int dim) {
        float sum = 0f;
        for (int i = 0; i < dim; i++) {
            sum = Math.fma(r[rFrom + i], q[qFrom + i], sum);
        }
        return sum;
    }

    /** {@link #laneDot} of one query with four consecutive rows: four independent chains, each the same bits. */
    private static void laneDots4(float[] q, int qFrom, float[] r, int rFrom, int dim, float[] out) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int r1 = rFrom + dim;
        int r2 = r1 + dim;
        int r3 = r2 + dim;
        for (int i = 0; i < dim; i++) {
            float x = q[qFrom + i];
            s0 = Math.fma(r[rFrom + i], x, s0);
            s1 = Math.fma(r[r1 + i], x, s1);
            s2 = Math.fma(r[r2 + i], x, s2);
            s3 = Math.fma(r[r3 + i], x, s3);
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
    }

    /** The rows, one after another in this thread's scratch array (a bulk copy per row). */
    private float[] rowsOf(MemorySegment rows, long firstRowOffset, long rowStride, int rowCount, int dim) {
        float[] r = scratch(rowCount * dim);
        for (int row = 0; row < rowCount; row++) {
            MemorySegment.copy(rows, FLOAT, firstRowOffset + row * rowStride, r, row * dim, dim);
        }
        return r;
    }

    /** Rows stored in panels ({@link RowPanels}), the last panel's padding too, copied into this thread's scratch array. */
    private float[] panelsOf(MemorySegment panels, long offset, int rowCount, int dim) {
        int floats = Math.toIntExact(RowPanels.paddedRows(rowCount) * dim);
        float[] raw = scratch(floats);
        MemorySegment.copy(panels, FLOAT, offset, raw, 0, floats);
        return raw;
    }

    /** The scores of one query against the 16 rows of one panel, each one FMA chain in component order from zero. */
    @FunctionalInterface
    private interface PanelDots {
        /** Writes into {@code out[0, 16)} the scores of the query at {@code q[qFrom]} against the panel at {@code panelFrom}. */
        void dots(float[] q, int qFrom, int panelFrom, int dim, float[] out);
    }

    /**
     * Every (query, row) score of {@code rowCount} rows stored in panels, computed a panel at a time by
     * {@code dots}, offered when it reaches the query's threshold: the loop of both panel kernels, float rows
     * and one-byte codes alike.
     */
    private static void offerPanels(QueryBlock queries, int rowCount, float[] thresholds, CandidateSink sink,
                                    PanelDots dots) {
        int dim = queries.dim();
        float[] q = queries.rowMajor();
        float[] sixteen = new float[RowPanels.ROWS];
        for (int first = 0; first < rowCount; first += RowPanels.ROWS) {
            int rows = Math.min(RowPanels.ROWS, rowCount - first);
            for (int qi = 0; qi < queries.count(); qi++) {
                dots.dots(q, qi * dim, first * dim, dim, sixteen);
                for (int j = 0; j < rows; j++) {
                    if (sixteen[j] >= thresholds[qi]) { // read again: the sink may have raised it
                        sink.offer(qi, first + j, sixteen[j]);
                    }
                }
            }
        }
    }

    /**
     * {@link #laneDot} of one query with the 16 rows of the panel at {@code panelFrom} of {@code raw} (component
     * i of its row j at {@code panelFrom + i x 16 + j}): sixteen independent chains, each in component order.
     */
    private static void panelDots(float[] q, int qFrom, float[] raw, int panelFrom, int dim, float[] out) {
        java.util.Arrays.fill(out, 0f);
        for (int i = 0; i < dim; i++) {
            float x = q[qFrom + i];
            int at = panelFrom + i * RowPanels.ROWS;
            for (int j = 0; j < RowPanels.ROWS; j++) {
                out[j] = Math.fma(raw[at + j], x, out[j]);
            }
        }
    }

    private float[] scratch(int floats) {
        float[] s = scratch.get();
        if (s.length < floats) {
            s = new float[floats];
            scratch.set(s);
        }
        return s;
    }
}
