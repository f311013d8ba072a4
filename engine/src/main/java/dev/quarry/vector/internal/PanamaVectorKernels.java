package dev.quarry.vector.internal;

import dev.quarry.vector.CandidateSink;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.RowPanels;
import dev.quarry.vector.ScalarVectorKernels;
import dev.quarry.vector.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD kernels on the Java Vector API, with the CPU's preferred vector width chosen at start-up.
 * Dot products use four independent accumulators (to hide FMA latency) and a scalar tail; the block
 * product is a GEMM-style micro-kernel ({@link BlockMicroKernels}) whose tile shape is chosen from the
 * vector width, because the register file differs: 32 registers with AVX-512, 16 with AVX2.
 */
public final class PanamaVectorKernels implements VectorKernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Ints of the same width as {@link #S}. */
    private static final VectorSpecies<Integer> SI = S.withLanes(int.class);
    private static final int LI = SI.length();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** For the 128-bit widths the code-panel kernels have no byte species for. */
    private static final ScalarVectorKernels SCALAR = new ScalarVectorKernels();

    private final TileShape shape;
    private final ThreadLocal<float[]> scratch;
    private volatile boolean warm;

    private PanamaVectorKernels(TileShape shape) {
        this.shape = shape;
        // One scratch per thread serves the block tiles and the panel kernel (never both in one call).
        this.scratch = ThreadLocal.withInitial(() -> new float[Math.max(BlockMicroKernels.SCRATCH,
                PanelKernels.SCRATCH)]);
    }

    /**
     * Creates the kernels, or throws {@link UnsupportedOperationException} saying why they would not
     * be faster than scalar code here.
     *
     * @param tile {@code auto} (shape from the vector width), {@code wide} or {@code narrow}
     */
    public static PanamaVectorKernels create(String tile) {
        if (S.vectorBitSize() < 128) {
            throw new UnsupportedOperationException("the CPU's preferred vector is " + S.vectorBitSize()
                    + " bits, expected at least 128");
        }
        String jit = compilerProblem();
        if (jit != null) {
            throw new UnsupportedOperationException(jit);
        }
        return new PanamaVectorKernels(TileShape.parse(tile, L));
    }

    /** Non-null when the JIT cannot compile Vector API code to SIMD instructions. */
    private static String compilerProblem() {
        String info = System.getProperty("java.vm.info", "");
        if (info.contains("interpreted mode")) {
            return "the JVM runs interpreted (-Xint); the Vector API needs the C2 compiler";
        }
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:TieredStopAtLevel=") && !arg.endsWith("=4")) {
                return "the C2 compiler is disabled (" + arg + "); the Vector API needs it";
            }
        }
        return null;
    }

    /** The micro-kernel shape in use. */
    public TileShape shape() {
        return shape;
    }

    @Override
    public String description() {
        return "panama " + S.vectorBitSize() + "-bit (" + L + " lanes), tile " + shape.vectors() + "x"
                + BlockMicroKernels.TILE_ROWS + " (" + shape.name().toLowerCase() + ")";
    }

    @Override
    public String toString() {
        return description();
    }

    @Override
    public float dot(float[] a, float[] b, int dim) {
        int i = 0;
        float sum = 0f;
        if (dim >= L) {
            FloatVector acc0 = FloatVector.zero(S);
            FloatVector acc1 = FloatVector.zero(S);
            FloatVector acc2 = FloatVector.zero(S);
            FloatVector acc3 = FloatVector.zero(S);
            for (int upper = dim - 4 * L; i <= upper; i += 4 * L) {
                acc0 = FloatVector.fromArray(S, a, i).fma(FloatVector.fromArray(S, b, i), acc0);
                acc1 = FloatVector.fromArray(S, a, i + L).fma(FloatVector.fromArray(S, b, i + L), acc1);
                acc2 = FloatVector.fromArray(S, a, i + 2 * L).fma(FloatVector.fromArray(S, b, i + 2 * L), acc2);
                acc3 = FloatVector.fromArray(S, a, i + 3 * L).fma(FloatVector.fromArray(S, b, i + 3 * L), acc3);
            }
            for (int upper = dim - L; i <= upper; i += L) {
                acc0 = FloatVector.fromArray(S, a, i).fma(FloatVector.fromArray(S, b, i), acc0);
            }
            sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        }
        for (; i < dim; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    @Override
    public float dot(float[] query, MemorySegment rows, long offset, int dim) {
        int i = 0;
        float sum = 0f;
        if (dim >= L) {
            FloatVector acc0 = FloatVector.zero(S);
            FloatVector acc1 = FloatVector.zero(S);
            FloatVector acc2 = FloatVector.zero(S);
            FloatVector acc3 = FloatVector.zero(S);
            for (int upper = dim - 4 * L; i <= upper; i += 4 * L) {
                long o = offset + 4L * i;
                acc0 = FloatVector.fromMemorySegment(S, rows, o, LE).fma(FloatVector.fromArray(S, query, i), acc0);
                acc1 = FloatVector.fromMemorySegment(S, rows, o + 4L * L, LE)
                        .fma(FloatVector.fromArray(S, query, i + L), acc1);
                acc2 = FloatVector.fromMemorySegment(S, rows, o + 8L * L, LE)
                        .fma(FloatVector.fromArray(S, query, i + 2 * L), acc2);
                acc3 = FloatVector.fromMemorySegment(S, rows, o + 12L * L, LE)
                        .fma(FloatVector.fromArray(S, query, i + 3 * L), acc3);
            }
            for (int upper = dim - L; i <= upper; i += L) {
                acc0 = FloatVector.fromMemorySegment(S, rows, offset + 4L * i, LE)
                        .fma(FloatVector.fromArray(S, query, i), acc0);
            }
            sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        }
        for (; i < dim; i++) {
            sum += query[i] * rows.get(FLOAT, offset + 4L * i);
        }
        return sum;
    }

    @Override
    public float dot(MemorySegment a, long aOffset, MemorySegment b, long bOffset, int dim) {
        int i = 0;
        float sum = 0f;
        if (dim >= L) {
            FloatVector acc0 = FloatVector.zero(S);
            FloatVector acc1 = FloatVector.zero(S);
            for (int upper = dim - 2 * L; i <= upper; i += 2 * L) {
                long oa = aOffset + 4L * i;
                long ob = bOffset + 4L * i;
                acc0 = FloatVector.fromMemorySegment(S, a, oa, LE)
                        .fma(FloatVector.fromMemorySegment(S, b, ob, LE), acc0);
                acc1 = FloatVector.fromMemorySegment(S, a, oa + 4L * L, LE)
                        .fma(FloatVector.fromMemorySegment(S, b, ob + 4L * L, LE), acc1);
            }
            for (int upper = dim - L; i <= upper; i += L) {
                acc0 = FloatVector.fromMemorySegment(S, a, aOffset + 4L * i, LE)
                        .fma(FloatVector.fromMemorySegment(S, b, bOffset + 4L * i, LE), acc0);
            }
            sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < dim; i++) {
            sum += a.get(FLOAT, aOffset + 4L * i) * b.get(FLOAT, bOffset + 4L * i);
        }
        return sum;
    }

    @Override
    public void dotRows(float[] query, int dim, MemorySegment rows, long firstRowOffset, long rowStride,
                        int rowCount, float[] out, int outOffset) {
        int r = 0;
        int vectorEnd = dim - dim % L;
        for (; r + 4 <= rowCount; r += 4) {
            long o0 = firstRowOffset + r * rowStride;
            long o1 = o0 + rowStride;
            long o2 = o1 + rowStride;
            long o3 = o2 + rowStride;
            FloatVector acc0 = FloatVector.zero(S);
            FloatVector acc1 = FloatVector.zero(S);
            FloatVector acc2 = FloatVector.zero(S);
            FloatVector acc3 = FloatVector.zero(S);
            for (int i = 0; i < vectorEnd; i += L) {
                FloatVector q = FloatVector.fromArray(S, query, i);
                long b = 4L * i;
                acc0 = FloatVector.fromMemorySegment(S, rows, o0 + b, LE).fma(q, acc0);
                acc1 = FloatVector.fromMemorySegment(S, rows, o1 + b, LE).fma(q, acc1);
                acc2 = FloatVector.fromMemorySegment(S, rows, o2 + b, LE).fma(q, acc2);
                acc3 = FloatVector.fromMemorySegment(S, rows, o3 + b, LE).fma(q, acc3);
            }
            float s0 = acc0.reduceLanes(VectorOperators.ADD);
            float s1 = acc1.reduceLanes(VectorOperators.ADD);
            float s2 = acc2.reduceLanes(VectorOperators.ADD);
            float s3 = acc3.reduceLanes(VectorOperators.ADD);
            for (int i = vectorEnd; i < dim; i++) {
                float q = query[i];
                long b = 4L * i;
                s0 += q * rows.get(FLOAT, o0 + b);
                s1 += q * rows.get(FLOAT, o1 + b);
                s2 += q * rows.get(FLOAT, o2 + b);
                s3 += q * rows.get(FLOAT, o3 + b);
            }
            out[outOffset + r] = s0;
            out[outOffset + r + 1] = s1;
            out[outOffset + r + 2] = s2;
            out[outOffset + r + 3] = s3;
        }
        for (; r < rowCount; r++) {
            out[outOffset + r] = dot(query, rows, firstRowOffset + r * rowStride, dim);
        }
    }

    @Override
    public void scoreBlock(QueryBlock queries, MemorySegment rows, long firstRowOffset, long rowStride,
                           int rowCount, float[] scores) {
        int count = queries.count();
        forEachTile(queries, rows, firstRowOffset, rowStride, rowCount, (tile, q0, live, firstRow, r, rowEnd) -> {
            for (; r < rowEnd; r++) {
                System.arraycopy(tile, r * BlockMicroKernels.SCRATCH_ROW, scores, (firstRow + r) * count + q0, live);
            }
        });
    }

    @Override
    public void scoreBlockTopK(QueryBlock queries, MemorySegment rows, long firstRowOffset, long rowStride,
                               int rowCount, float[] thresholds, CandidateSink sink) {
        forEachTile(queries, rows, firstRowOffset, rowStride, rowCount, (tile, q0, live, firstRow, r, rowEnd) -> {
            for (; r < rowEnd; r++) {
                int t = r * BlockMicroKernels.SCRATCH_ROW;
                for (int j = 0; j < live; j += L) {
                    FloatVector scores = FloatVector.fromArray(S, tile, t + j);
                    // Masks become bits in each branch: a mask merged from two branches (a phi) is boxed by
                    // C2, and every box allocates its lanes (measured: half of a trainer call's garbage).
                    long bits;
                    if (j + L <= live) {
                        bits = scores.compare(VectorOperators.GE, FloatVector.fromArray(S, thresholds, q0 + j))
                                .toLong();
                    } else {
                        bits = scores.compare(VectorOperators.GE, FloatVector.fromArray(S, thresholds, q0 + j,
                                S.indexInRange(j, live))).toLong() & ((1L << (live - j)) - 1);
                    }
                    if (bits != 0) {
                        offerLanes(bits, tile, t + j, q0 + j, firstRow + r, sink);
                    }
                }
            }
        });
    }

    @Override
    public void scorePanelsTopK(QueryBlock queries, MemorySegment panels, long offset, int rowCount,
                                float[] thresholds, CandidateSink sink) {
        PanelKernels.scoreTopK(queries, SegmentKinds.uniform(panels), offset, rowCount, shape == TileShape.WIDE,
                thresholds, sink, scratch.get());
    }

    @Override
    public void scorePanels(QueryBlock queries, MemorySegment panels, long offset, int rowCount, float[] scores,
                            int stride) {
        if (stride < RowPanels.paddedRows(rowCount) || scores.length < (long) queries.count() * stride) {
            throw new IllegalArgumentException("stride=" + stride + " for " + rowCount + " rows and "
                    + queries.count() + " queries into " + scores.length + " floats");
        }
        PanelKernels.scores(queries, SegmentKinds.uniform(panels), offset, rowCount, shape == TileShape.WIDE, scores,
                stride, scratch.get());
    }

    @Override
    public int indicesAtLeast(float[] values, int from, int n, float threshold, int[] rows) {
        int m = 0;
        int r = 0;
        for (; r + L <= n; r += L) {
            // Bits, not a mask: a mask kept across the loop's branches would be boxed.
            long bits = FloatVector.fromArray(S, values, from + r).compare(VectorOperators.GE, threshold).toLong();
            while (bits != 0) {
                rows[m++] = r + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
            }
        }
        for (; r < n; r++) {
            if (values[from + r] >= threshold) {
                rows[m++] = r;
            }
        }
        return m;
    }

    @Override
    public int countAtLeast(int[] values, int n, int threshold) {
        int count = 0;
        int i = 0;
        for (; i + LI <= n; i += LI) {
            count += Long.bitCount(IntVector.fromArray(SI, values, i).compare(VectorOperators.GE, threshold).toLong());
        }
        if (i < n) {
            // One masked vector for the tail, not up to L - 1 scalar compares: a bisection counts the same
            // few hundred values some 25 times.
            VectorMask<Integer> live = SI.indexInRange(i, n);
            count += Long.bitCount(IntVector.fromArray(SI, values, i, live)
                    .compare(VectorOperators.GE, threshold, live).toLong());
        }
        return count;
    }

    @Override
    public void scoreCodePanelsTopK(QueryBlock queries, MemorySegment panels, long offset, int rowCount,
                                    float[] thresholds, CandidateSink sink) {
        if (CodePanelKernels.SUPPORTED) {
            CodePanelKernels.scoreTopK(queries, SegmentKinds.uniform(panels), offset, rowCount,
                    shape == TileShape.WIDE, thresholds, sink, scratch.get());
        } else {
            SCALAR.scoreCodePanelsTopK(queries, panels, offset, rowCount, thresholds, sink);
        }
    }

    @Override
    public void laneDots(float[] query, int dim, MemorySegment rows, long[] offsets, int count, float[] out) {
        LaneDots.dots(query, dim, SegmentKinds.uniform(rows), offsets, count, out);
    }

    /** What a block kernel does with each computed tile, which sits in the scratch. */
    @FunctionalInterface
    private interface TileConsumer {
        /**
         * @param tile the scratch: lane j of tile row r at {@code r * SCRATCH_ROW + j}
         * @param q0 the panel's first query
         * @param live queries of the panel (lanes beyond are padding)
         * @param firstRow the block row of tile row 0
         * @param from the first tile row not seen before (earlier rows belonged to the previous tile)
         * @param to the tile rows computed
         */
        void accept(float[] tile, int q0, int live, int firstRow, int from, int to);
    }

    /**
     * Runs the micro-kernel over every panel of queries and every tile of rows. The last partial tile
     * is computed as a full tile ending at the last row: the few rows scored twice cost less than a
     * slow remainder kernel, and the consumer is told which rows are new so none is seen twice.
     */
    private void forEachTile(QueryBlock queries, MemorySegment rows, long firstRowOffset, long rowStride,
                             int rowCount, TileConsumer consumer) {
        rows = SegmentKinds.uniform(rows); // one class of segment in the tile loops, whatever the caller holds
        int count = queries.count();
        int dim = queries.dim();
        float[] pack = queries.packed(L, shape.vectors());
        float[] tile = scratch.get();
        int panelWidth = shape.vectors() * L;
        boolean tall = shape == TileShape.WIDE;
        for (int q0 = 0; q0 < count; q0 += panelWidth) {
            int live = Math.min(panelWidth, count - q0);
            int width = (live + L - 1) / L * L;
            int base = q0 * dim;
            int tileRows = BlockMicroKernels.tileRows(width / L, tall, rowCount);
            for (int r0 = 0; r0 < rowCount; r0 += tileRows) {
                int start = rowCount >= tileRows ? Math.min(r0, rowCount - tileRows) : r0;
                int n = Math.min(tileRows, rowCount - start);
                BlockMicroKernels.panelTile(pack, base, width, dim, rows, firstRowOffset + start * rowStride,
                        rowStride, n, tile);
                consumer.accept(tile, q0, live, start, r0 - start, n);
            }
        }
    }

    /** Offers the lanes set in {@code bits}: distinct queries, so no offer here can move another's threshold. */
    private static void offerLanes(long bits, float[] tile, int tileOffset, int query0, int row, CandidateSink sink) {
        while (bits != 0) {
            int lane = Long.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            sink.offer(query0 + lane, row, tile[tileOffset + lane]);
        }
    }

    @Override
    public void warmUp() {
        if (!warm) {
            synchronized (this) {
                if (!warm) {
                    KernelWarmup.run(this);
                    warm = true;
                }
            }
        }
    }

    @Override
    public void prepare(QueryBlock queries) {
        queries.packed(L, shape.vectors());
    }

    @Override
    public float squaredNorm(float[] v, int offset, int dim) {
        int i = 0;
        float sum = 0f;
        if (dim >= L) {
            FloatVector acc0 = FloatVector.zero(S);
            FloatVector acc1 = FloatVector.zero(S);
            for (int upper = dim - 2 * L; i <= upper; i += 2 * L) {
                FloatVector x0 = FloatVector.fromArray(S, v, offset + i);
                FloatVector x1 = FloatVector.fromArray(S, v, offset + i + L);
                acc0 = x0.fma(x0, acc0);
                acc1 = x1.fma(x1, acc1);
            }
            for (int upper = dim - L; i <= upper; i += L) {
                FloatVector x = FloatVector.fromArray(S, v, offset + i);
                acc0 = x.fma(x, acc0);
            }
            sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < dim; i++) {
            float x = v[offset + i];
            sum += x * x;
        }
        return sum;
    }

    @Override
    public float squaredNorm(MemorySegment v, long offset, int dim) {
        int i = 0;
        float sum = 0f;
        if (dim >= L) {
            FloatVector acc0 = FloatVector.zero(S);
            FloatVector acc1 = FloatVector.zero(S);
            for (int upper = dim - 2 * L; i <= upper; i += 2 * L) {
                FloatVector x0 = FloatVector.fromMemorySegment(S, v, offset + 4L * i, LE);
                FloatVector x1 = FloatVector.fromMemorySegment(S, v, offset + 4L * (i + L), LE);
                acc0 = x0.fma(x0, acc0);
                acc1 = x1.fma(x1, acc1);
            }
            for (int upper = dim - L; i <= upper; i += L) {
                FloatVector x = FloatVector.fromMemorySegment(S, v, offset + 4L * i, LE);
                acc0 = x.fma(x, acc0);
            }
            sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < dim; i++) {
            float x = v.get(FLOAT, offset + 4L * i);
            sum += x * x;
        }
        return sum;
    }

    @Override
    public void scale(float[] v, int offset, int dim, float factor) {
        int i = 0;
        for (int upper = dim - L; i <= upper; i += L) {
            FloatVector.fromArray(S, v, offset + i).mul(factor).intoArray(v, offset + i);
        }
        for (; i < dim; i++) {
            v[offset + i] *= factor;
        }
    }

    @Override
    public void axpy(float a, float[] x, int xOffset, float[] y, int yOffset, int dim) {
        FloatVector va = FloatVector.broadcast(S, a);
        int i = 0;
        for (int upper = dim - L; i <= upper; i += L) {
            va.fma(FloatVector.fromArray(S, x, xOffset + i), FloatVector.fromArray(S, y, yOffset + i))
                    .intoArray(y, yOffset + i);
        }
        for (; i < dim; i++) {
            y[yOffset + i] = Math.fma(a, x[xOffset + i], y[yOffset + i]);
        }
    }
}
