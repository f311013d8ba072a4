package dev.quarry.bench;

import dev.quarry.vector.CandidateSink;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.RowPanels;
import dev.quarry.vector.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Lists of {@code listRows} rows as the float32 and int8 list kernels read them (row panels; int8 codes are
 * {@code round(x x 500)} clamped), and one call of each kernel over a list with thresholds of +infinity: every
 * score computed, none offered. Shared by the benchmarks that compare other kernels with these two.
 */
final class PanelLists {
    private final VectorKernels kernels;
    private final MemorySegment floats;
    private final MemorySegment codes;
    private final int dim;
    private final int listRows;
    private final QueryBlock block;
    private final float[] thresholds;
    private final CandidateSink sink;

    /** Lists in {@code floats} ({@code 4 x dim} bytes a row) and {@code codes} ({@code dim} bytes a row). */
    PanelLists(VectorKernels kernels, MemorySegment floats, MemorySegment codes, int dim, int listRows,
               QueryBlock block) {
        this.kernels = kernels;
        this.floats = floats;
        this.codes = codes;
        this.dim = dim;
        this.listRows = listRows;
        this.block = block;
        this.thresholds = new float[block.count()];
        this.sink = (q, r, s) -> thresholds[q] = s;
    }

    /** Writes row {@code r} (its list is {@code r / listRows}) into both formats. */
    void write(int r, float[] row) {
        long base = (long) (r / listRows) * listRows;
        int within = r % listRows;
        for (int i = 0; i < dim; i++) {
            floats.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * dim * base + RowPanels.offset(within, i, dim), row[i]);
            codes.set(ValueLayout.JAVA_BYTE, dim * base + RowPanels.index(within, i, dim),
                    (byte) Math.max(-128, Math.min(127, Math.round(row[i] * 500))));
        }
    }

    /** Scores every query against float32 list {@code list}; the thresholds, for a blackhole. */
    float[] floatList(int list) {
        Arrays.fill(thresholds, Float.POSITIVE_INFINITY);
        kernels.scorePanelsTopK(block, floats, 4L * dim * listRows * list, listRows, thresholds, sink);
        return thresholds;
    }

    /** Scores every query against int8 list {@code list}; the thresholds, for a blackhole. */
    float[] codeList(int list) {
        Arrays.fill(thresholds, Float.POSITIVE_INFINITY);
        kernels.scoreCodePanelsTopK(block, codes, (long) dim * listRows * list, listRows, thresholds, sink);
        return thresholds;
    }
}
