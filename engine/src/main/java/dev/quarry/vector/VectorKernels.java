package dev.quarry.vector;

import java.lang.foreign.MemorySegment;

/**
 * The arithmetic Quarry spends its time in: inner products, norms, and the block product of many
 * queries against many corpus rows. Scores are inner products (cosine for L2-normalized vectors).
 *
 * <p>Two implementations exist: {@link ScalarVectorKernels}, plain Java that is always available and
 * is the oracle the tests compare against, and a SIMD one built on the Java Vector API. Obtain the
 * best available one from {@link VectorKernelsProvider#get()}.
 *
 * <p>Rows live in a {@link MemorySegment} (usually a memory-mapped store) and are addressed by the
 * byte offset of the first row and a byte stride between rows, so a row is read in place, never
 * copied. Floats in segments are little-endian and may be unaligned. Implementations are stateless
 * and thread-safe; a {@link QueryBlock} is not and belongs to one thread.
 */
public interface VectorKernels {

    /** A one-line description for logs, e.g. {@code panama 512-bit (16 lanes), tile 4x6}. */
    String description();

    /** Inner product of {@code a[0..dim)} and {@code b[0..dim)}. */
    float dot(float[] a, float[] b, int dim);

    /** Inner product of a heap query with the {@code dim} floats at byte {@code offset} of a segment. */
    float dot(float[] query, MemorySegment rows, long offset, int dim);

    /** Inner product of two vectors held in segments. */
    float dot(MemorySegment a, long aOffset, MemorySegment b, long bOffset, int dim);

    /**
     * One query against a block of rows: {@code out[outOffset + r] = dot(query, row r)} for
     * {@code r < rowCount}, where row r starts at byte {@code firstRowOffset + r * rowStride}.
     */
    void dotRows(float[] query, int dim, MemorySegment rows, long firstRowOffset, long rowStride,
                 int rowCount, float[] out, int outOffset);

    /**
     * A block of queries against a block of rows, into a score matrix stored row by row of the corpus:
     * {@code scores[r * queries.count() + q] = dot(query q, row r)} for every query of the block and
     * {@code r < rowCount}. This layout lets the SIMD kernel store a vector of queries' scores for one
     * row contiguously; a consumer reduces over rows with one vector per group of queries. The SIMD
     * implementation uses a register-blocked micro-kernel that reads the rows straight from the
     * segment.
     */
    void scoreBlock(QueryBlock queries, MemorySegment rows, long firstRowOffset, long rowStride,
                    int rowCount, float[] scores);

    /**
     * The block product fused with a top-k pre-filter: every score of query q against row r with
     * {@code score >= thresholds[q]} is handed to {@code sink} (in no particular order), and no
     * score matrix is written. The sink may raise {@code thresholds[q]} while the call runs; scores
     * are compared with the current value. NaN scores never pass. Each (query, row) pair is offered
     * at most once.
     *
     * @param thresholds one per query of the block (at least {@code queries.count()} entries)
     */
    void scoreBlockTopK(QueryBlock queries, MemorySegment rows, long firstRowOffset, long rowStride,
                        int rowCount, float[] thresholds, CandidateSink sink);

    /**
     * {@link #scoreBlockTopK} over rows stored in panels ({@link RowPanels}): {@code rowCount} rows
     * starting at byte {@code offset} of {@code panels}, the last panel padded. Offers, thresholds and
     * NaN behave as in {@link #scoreBlockTopK}, and every score has the bits {@code scoreBlockTopK}
     * computes for the same query and row stored one after another, so an index may keep some rows
     * in panels and others not and still rank them consistently. Padding rows are never offered.
     */
    void scorePanelsTopK(QueryBlock queries, MemorySegment panels, long offset, int rowCount, float[] thresholds,
                         CandidateSink sink);

    /**
     * Every score of the block's queries against {@code rowCount} rows stored in panels, written
     * query-major: {@code scores[q * stride + r]} for {@code r < rowCount}, with {@code stride} at
     * least {@link RowPanels#paddedRows} of the row count (the padding rows' scores may be written too).
     * Each score has the bits {@link #scorePanelsTopK} offers for the same pair. For a consumer that
     * looks at a query's scores of a whole run of rows before deciding what to keep (a top-k that
     * estimates its cut from them instead of raising a threshold one offer at a time).
     */
    void scorePanels(QueryBlock queries, MemorySegment panels, long offset, int rowCount, float[] scores, int stride);

    /**
     * Writes into {@code rows} the positions {@code r < n} whose value {@code values[from + r]} is at
     * least {@code threshold}, ascending, and returns how many; NaN is never at least anything.
     */
    int indicesAtLeast(float[] values, int from, int n, float threshold, int[] rows);

    /**
     * How many of {@code values[0, n)} are at least {@code threshold}. A selection that bisects on a value
     * (the k-th largest of a few hundred ints) counts once a step.
     */
    int countAtLeast(int[] values, int n, int threshold);

    /**
     * {@link #scorePanelsTopK} over rows stored as signed one-byte codes in the panel layout (component
     * i of row r at byte {@link RowPanels#index RowPanels.index(r, i, dim)} from {@code offset}): the
     * score of query q and row r is {@code sum over i of q_i x code_i}, one fused multiply-add per
     * component in component order from zero, so every implementation gives the same bits. The
     * queries carry whatever scale the codes need (a quantized index scales each query component by
     * its step). Offers, thresholds, NaN and padding behave as in {@link #scorePanelsTopK}.
     */
    void scoreCodePanelsTopK(QueryBlock queries, MemorySegment panels, long offset, int rowCount, float[] thresholds,
                             CandidateSink sink);

    /**
     * One query against rows anywhere in a segment: {@code out[j]} is the inner product of
     * {@code query} with the {@code dim} floats at byte {@code offsets[j]} of {@code rows}, for
     * {@code j < count}, with the bits of {@link LaneDot#dot} (one fused multiply-add per component
     * in component order from zero: the arithmetic of every lane of the block kernels). Rescores a
     * quantized index's candidates to the scores the float32 index gives.
     */
    void laneDots(float[] query, int dim, MemorySegment rows, long[] offsets, int count, float[] out);

    /**
     * Prepares a block for scoring (packs it for the SIMD micro-kernel, cached in the block). The
     * block kernels do this themselves; call it explicitly before several threads score the same
     * block concurrently, so that none of them writes to it.
     */
    void prepare(QueryBlock queries);

    /**
     * Gets the block kernels compiled before real work arrives, once per JVM (later calls return at
     * once). A JIT compiles the large micro-kernels in about a second; until then they run in a
     * profiling tier that is hundreds of times slower, so feeding them a corpus meanwhile wastes
     * seconds. Called by the miners before they start; the default does nothing.
     */
    default void warmUp() {
    }

    /** Sum of squares of {@code v[offset..offset+dim)}. */
    float squaredNorm(float[] v, int offset, int dim);

    /** Sum of squares of the {@code dim} floats at byte {@code offset} of a segment. */
    float squaredNorm(MemorySegment v, long offset, int dim);

    /**
     * Scales {@code v[offset..offset+dim)} to unit L2 norm in place and returns the norm it had.
     * A vector of norm 0 (or a non-finite norm) is left unchanged; callers decide whether that is an
     * error.
     */
    default float normalize(float[] v, int offset, int dim) {
        float norm = (float) Math.sqrt(squaredNorm(v, offset, dim));
        if (norm > 0f && Float.isFinite(norm)) {
            scale(v, offset, dim, 1f / norm);
        }
        return norm;
    }

    /** Multiplies {@code v[offset..offset+dim)} by {@code factor} in place. */
    void scale(float[] v, int offset, int dim, float factor);

    /**
     * {@code y[yOffset + i] = fma(a, x[xOffset + i], y[yOffset + i])} for {@code i < dim}: one fused
     * multiply-add per element, so every implementation gives the same bits. The rank-one update of a
     * gradient (a row of {@code g q^T} added to a matrix), what training a linear adapter spends its time in.
     */
    void axpy(float a, float[] x, int xOffset, float[] y, int yOffset, int dim);
}
