package dev.quarry.vector;

import java.lang.foreign.MemorySegment;

/** The fast-scan oracle: one table look-up per row and sub-space, read through {@link FastScanLayout#code}. */
public final class ScalarFastScanKernel implements FastScanKernel {
    @Override
    public void score(byte[] tables, int queries, int m, MemorySegment codes, long offset, int rowCount, int[] out) {
        FastScanKernel.check(tables, queries, m, codes, offset, rowCount, out);
        int stride = FastScanLayout.tableBytes(m);
        for (int q = 0; q < queries; q++) {
            for (int r = 0; r < rowCount; r++) {
                int sum = 0;
                for (int s = 0; s < m; s++) {
                    int code = FastScanLayout.code(codes, offset, m, r, s);
                    sum += tables[q * stride + s * FastScanLayout.ENTRIES + code] & 0xFF;
                }
                out[q * rowCount + r] = sum;
            }
        }
    }

    @Override
    public String description() {
        return "scalar fast-scan";
    }
}
