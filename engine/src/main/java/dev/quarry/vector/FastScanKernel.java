package dev.quarry.vector;

import java.lang.foreign.MemorySegment;

/**
 * Approximate scores of rows held as 4-bit product-quantization codes in the {@link FastScanLayout}:
 * for each query and row, the sum over sub-spaces of the query's uint8 table entry at the row's code.
 * The sums are exact integers (at most {@code 255 x m}); nothing saturates or wraps, whatever {@code m}.
 * The float score is {@code bias + scale x sum} with the query's {@link FastScanTables.Scale}.
 *
 * <p>Implementations are stateless and thread-safe: {@link ScalarFastScanKernel} (the oracle) and a SIMD
 * one from {@link VectorKernelsProvider#fastScan()}.
 */
public interface FastScanKernel {
    /**
     * Scores {@code rowCount} rows of the blocks at {@code offset} for {@code queries} queries.
     *
     * @param tables the queries' tables, query after query, {@link FastScanLayout#tableBytes(int)} bytes each;
     *               the entries of padded sub-spaces must be 0
     * @param m sub-spaces
     * @param out {@code out[q x rowCount + r]}, overwritten
     */
    void score(byte[] tables, int queries, int m, MemorySegment codes, long offset, int rowCount, int[] out);

    /** What this implementation is, for logs. */
    String description();

    /** Checks the arguments every implementation shares; {@code IllegalArgumentException} naming the one at fault. */
    static void check(byte[] tables, int queries, int m, MemorySegment codes, long offset, int rowCount, int[] out) {
        int stride = FastScanLayout.tableBytes(m);
        if (queries < 0 || (long) queries * stride > tables.length) {
            throw new IllegalArgumentException("queries=" + queries + ", m=" + m + ": expected queries x "
                    + stride + " <= tables.length=" + tables.length);
        }
        if (rowCount < 0 || (long) queries * rowCount > out.length) {
            throw new IllegalArgumentException("rowCount=" + rowCount + ": expected queries x rowCount <= out.length="
                    + out.length);
        }
        long size = FastScanLayout.bytes(rowCount, m);
        if (offset < 0 || offset + size > codes.byteSize()) {
            throw new IllegalArgumentException("offset=" + offset + ", rowCount=" + rowCount + ": expected "
                    + size + " bytes of codes within " + codes.byteSize());
        }
        int padded = FastScanLayout.paddedSubspaces(m);
        for (int q = 0; q < queries; q++) {
            for (int s = m; s < padded; s++) {
                for (int e = 0; e < FastScanLayout.ENTRIES; e++) {
                    if (tables[q * stride + s * FastScanLayout.ENTRIES + e] != 0) {
                        throw new IllegalArgumentException("table of query=" + q + ", padded subspace=" + s
                                + " has a non-zero entry, expected zeros past m=" + m);
                    }
                }
            }
        }
    }
}
