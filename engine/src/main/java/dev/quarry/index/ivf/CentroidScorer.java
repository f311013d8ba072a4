package dev.quarry.index.ivf;

import dev.quarry.index.TopKCollector;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.RowPanels;
import dev.quarry.vector.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Finds each vector's best centroids by {@code x . c + bias(c)}: the bias is 0 for spherical k-means
 * (max inner product) and {@code -|c|^2 / 2} for Euclidean k-means (the nearest centroid maximizes
 * {@code x . c - |c|^2 / 2}). The same rule assigns corpus vectors to lists and picks the lists a
 * query probes. The bias rides in one extra component ({@code [c, -|c|^2/2]} against {@code [x, 1]}),
 * so both cases run the fused top-k block kernel. Thread-safe; {@link #best} allocates its own
 * buffers.
 *
 * <p>The centroids are kept twice: row after row, for blocks of many vectors (the query-lane block
 * kernel fills its lanes with vectors), and in panels ({@link RowPanels}), for blocks of fewer than
 * {@link #PANEL_BELOW} (the row-lane kernel fills its lanes with centroids): a trainer's batch of a
 * single anchor would otherwise use one lane of sixteen.
 */
final class CentroidScorer {
    /** Centroids scored per kernel call. */
    private static final int CHUNK = 512;
    /** Blocks of fewer vectors than this are scored against the centroid panels. */
    static final int PANEL_BELOW = 16;

    private final VectorKernels kernels;
    private final MemorySegment centroids;
    private final MemorySegment panels;
    private final int k;
    private final int dim;
    private final boolean euclidean;

    /**
     * Copies {@code k} centroids of {@code dim} floats ({@code source} at byte {@code offset}) into
     * {@code arena}, with the bias component when {@code euclidean}.
     */
    CentroidScorer(VectorKernels kernels, MemorySegment source, long offset, int k, int dim, boolean euclidean,
                   Arena arena) {
        this.kernels = kernels;
        this.k = k;
        this.dim = dim;
        this.euclidean = euclidean;
        int width = width();
        this.centroids = arena.allocate(4L * width * k, 64);
        for (int c = 0; c < k; c++) {
            long from = offset + 4L * dim * c;
            MemorySegment.copy(source, from, centroids, 4L * width * c, 4L * dim);
            if (euclidean) {
                float bias = -0.5f * kernels.squaredNorm(source, from, dim);
                centroids.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * width * c + 4L * dim, bias);
            }
        }
        this.panels = arena.allocate(4L * width * RowPanels.paddedRows(k), 64);
        // A panel at a time through heap arrays: one bulk copy in and out per panel, and the transposition
        // a plain loop over floats, which a short run's first tier compiles at once (per-float segment
        // accesses cost an index open a tenth of a second in the interpreter).
        float[] rows = new float[RowPanels.ROWS * width];
        float[] panel = new float[RowPanels.ROWS * width];
        for (int first = 0; first < k; first += RowPanels.ROWS) {
            int n = Math.min(RowPanels.ROWS, k - first);
            MemorySegment.copy(centroids, ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * width * first, rows, 0, n * width);
            Arrays.fill(rows, n * width, rows.length, 0f); // the last panel's padding rows are zeros
            for (int r = 0; r < RowPanels.ROWS; r++) {
                for (int i = 0; i < width; i++) {
                    panel[i * RowPanels.ROWS + r] = rows[r * width + i];
                }
            }
            MemorySegment.copy(panel, 0, panels, ValueLayout.JAVA_FLOAT_UNALIGNED, RowPanels.offset(first, 0, width),
                    panel.length);
        }
    }

    /** As above, from heap centroids ({@code k x dim}, row-major). */
    static CentroidScorer of(VectorKernels kernels, float[] centroids, int k, int dim, boolean euclidean, Arena arena) {
        MemorySegment heap = arena.allocate(4L * centroids.length, 64);
        MemorySegment.copy(centroids, 0, heap, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, centroids.length);
        return new CentroidScorer(kernels, heap, 0, k, dim, euclidean, arena);
    }

    private int width() {
        return euclidean ? dim + 1 : dim;
    }

    /** A block for {@link #best}: vectors of this dimension (plus the bias component's 1). */
    QueryBlock newBlock(int capacity) {
        return new QueryBlock(capacity, width());
    }

    /** Adds a vector (dim floats at byte {@code offset} of {@code segment}) to a block from {@link #newBlock}. */
    void add(QueryBlock block, MemorySegment segment, long offset, float[] scratch) {
        MemorySegment.copy(segment, ValueLayout.JAVA_FLOAT_UNALIGNED, offset, scratch, 0, dim);
        if (euclidean) {
            scratch[dim] = 1f;
        }
        block.add(scratch);
    }

    /** Packs a block before several threads score it at once ({@link VectorKernels#prepare}). */
    void prepare(QueryBlock block) {
        kernels.prepare(block);
    }

    /** The centroids row after row, {@link #stride()} bytes apart (with the bias component when Euclidean). */
    MemorySegment rows() {
        return centroids;
    }

    /** Bytes from one centroid row to the next. */
    long stride() {
        return 4L * width();
    }

    /** Components of a centroid row: dim, plus the bias when Euclidean. */
    int rowWidth() {
        return width();
    }

    /** Fills {@code best} (reset for the block; its k is how many centroids to keep) with each vector's best. */
    void best(QueryBlock block, TopKCollector best) {
        best(block, best, 0, k);
    }

    /**
     * As {@link #best(QueryBlock, TopKCollector)}, among centroids {@code [from, to)} only; {@code from}
     * is a multiple of {@link RowPanels#ROWS} (a panel boundary).
     */
    void best(QueryBlock block, TopKCollector best, int from, int to) {
        if (block.count() < PANEL_BELOW) {
            for (int first = from; first < to; first += CHUNK) {
                int rows = Math.min(CHUNK, to - first);
                best.rowsFrom(first);
                kernels.scorePanelsTopK(block, panels, RowPanels.offset(first, 0, width()), rows, best.thresholds(),
                        best);
            }
            return;
        }
        long stride = 4L * width();
        for (int first = from; first < to; first += CHUNK) {
            int rows = Math.min(CHUNK, to - first);
            best.rowsFrom(first);
            kernels.scoreBlockTopK(block, centroids, stride * first, stride, rows, best.thresholds(), best);
        }
    }
}
