package dev.quarry.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A reusable block of up to {@code capacity} query vectors of one dimension, the left-hand side of
 * {@link VectorKernels#scoreBlock}. Queries are kept row-major; a SIMD kernel additionally asks for
 * them packed into panels (see {@link #packed(int, int)}), which is computed once per block and
 * cached until the block changes, so scoring the block against many row blocks packs it once.
 *
 * <p>Not thread-safe: one block per worker thread, reused from block to block without allocation.
 */
public final class QueryBlock {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final int capacity;
    private final int dim;
    private final float[] rowMajor;
    private int count;

    private float[] packed = new float[0];
    private int packedLanes;
    private int packedPanelVectors;
    private boolean packedValid;

    /** An empty block holding at most {@code capacity} queries of dimension {@code dim}. */
    public QueryBlock(int capacity, int dim) {
        if (capacity < 1 || dim < 1) {
            throw new IllegalArgumentException("capacity=" + capacity + ", dim=" + dim + ", expected both >= 1");
        }
        if ((long) capacity * dim > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("capacity x dim=" + ((long) capacity * dim) + ", expected < 2^31");
        }
        this.capacity = capacity;
        this.dim = dim;
        this.rowMajor = new float[capacity * dim];
    }

    /** A block holding copies of the given queries, all of the same length. */
    public static QueryBlock of(float[]... queries) {
        if (queries.length == 0) {
            throw new IllegalArgumentException("queries: count=0, expected at least one");
        }
        QueryBlock block = new QueryBlock(queries.length, queries[0].length);
        for (float[] q : queries) {
            block.add(q);
        }
        return block;
    }

    /** Removes every query; the capacity stays. */
    public void clear() {
        count = 0;
        packedValid = false;
    }

    /** Appends a copy of {@code query[0..dim)} and returns its index in the block. */
    public int add(float[] query) {
        Objects.requireNonNull(query, "query");
        if (query.length < dim) {
            throw new IllegalArgumentException("query length=" + query.length + ", expected >= dim=" + dim);
        }
        int index = reserve();
        System.arraycopy(query, 0, rowMajor, index * dim, dim);
        return index;
    }

    /** Appends a copy of the {@code dim} little-endian floats at byte {@code offset} of a segment. */
    public int add(MemorySegment segment, long offset) {
        int index = reserve();
        MemorySegment.copy(segment, FLOAT, offset, rowMajor, index * dim, dim);
        return index;
    }

    private int reserve() {
        if (count == capacity) {
            throw new IllegalStateException("query block is full: capacity=" + capacity);
        }
        packedValid = false;
        return count++;
    }

    /** Number of queries in the block. */
    public int count() {
        return count;
    }

    /** Dimension of every query. */
    public int dim() {
        return dim;
    }

    /** Maximum number of queries. */
    public int capacity() {
        return capacity;
    }

    /** Component {@code k} of query {@code q}. */
    public float get(int q, int k) {
        Objects.checkIndex(q, count);
        return rowMajor[q * dim + k];
    }

    /**
     * The queries row-major, query q at {@code [q * dim, (q + 1) * dim)}. The array is the block's own
     * storage (it may be longer than {@code count * dim}); callers must not modify it.
     */
    public float[] rowMajor() {
        return rowMajor;
    }

    /**
     * The queries packed into panels for a SIMD micro-kernel with {@code lanes} floats per vector and
     * {@code panelVectors} vectors per panel. Panel p holds queries {@code [p * P, p * P + P)} with
     * {@code P = lanes * panelVectors}, stored component-major: component k of the panel's query j is
     * at {@code p * P * dim + k * W + j}, where W = P, except for the last panel, whose width W is
     * the number of queries left rounded up to a multiple of {@code lanes}. Padding lanes hold zero.
     * The result is cached until the block changes. Threads that split one search share the block and
     * may ask for the packing at once: it is made under the block's lock, so none of them is handed a
     * copy another is still writing (that gave one answer in thousands from other lists under load).
     */
    public synchronized float[] packed(int lanes, int panelVectors) {
        if (packedValid && packedLanes == lanes && packedPanelVectors == panelVectors) {
            return packed;
        }
        int panelWidth = lanes * panelVectors;
        int padded = (count + lanes - 1) / lanes * lanes;
        int size = padded * dim;
        if (packed.length < size) {
            packed = new float[Math.max(size, (capacity + lanes - 1) / lanes * lanes * dim)];
        }
        for (int start = 0; start < count; start += panelWidth) {
            int width = Math.min(panelWidth, padded - start);
            int base = start * dim;
            int live = Math.min(width, count - start);
            for (int j = 0; j < width; j++) {
                if (j < live) {
                    int src = (start + j) * dim;
                    for (int k = 0; k < dim; k++) {
                        packed[base + k * width + j] = rowMajor[src + k];
                    }
                } else {
                    for (int k = 0; k < dim; k++) {
                        packed[base + k * width + j] = 0f;
                    }
                }
            }
        }
        packedLanes = lanes;
        packedPanelVectors = panelVectors;
        packedValid = true;
        return packed;
    }

    @Override
    public String toString() {
        return "QueryBlock[count=" + count + ", dim=" + dim + ", capacity=" + capacity + "]";
    }

    /** Copies query {@code q} into {@code out[0..dim)}. */
    public void copyTo(int q, float[] out) {
        Objects.checkIndex(q, count);
        System.arraycopy(rowMajor, q * dim, out, 0, dim);
    }

    /** Fills the block from a row-major array of {@code n} queries, replacing its contents. */
    public void load(float[] queries, int n) {
        if (n > capacity || (long) n * dim > queries.length) {
            throw new IllegalArgumentException("n=" + n + ", expected <= capacity=" + capacity
                    + " and n x dim <= queries.length=" + queries.length);
        }
        System.arraycopy(queries, 0, rowMajor, 0, n * dim);
        count = n;
        packedValid = false;
    }
}
