package dev.quarry.index.ivf;

import dev.quarry.index.SearchThreads;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.FastScanLayout;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A build's pq4 codes: every row of the store encoded once (in parallel, row-major, {@code m} bytes a row,
 * 0..15), then written list by list in the {@link FastScanLayout}. Holds {@code count x m} bytes while the
 * index is written (96 MB for 1M rows at m = 96), so a list's codes are packed without reading the store
 * again in list order.
 */
final class PqCodes {
    /** Bytes of packed codes handed to the writer at once (its buffer takes up to 2 MiB). */
    private static final int CHUNK = 1 << 20;

    private final PqCodebook codebook;
    private final byte[] codes;

    private PqCodes(PqCodebook codebook, byte[] codes) {
        this.codebook = codebook;
        this.codes = codes;
    }

    /** Every row of {@code store} encoded with {@code codebook}, on {@code threads} threads. */
    static PqCodes of(PqCodebook codebook, VectorStore store, int threads) {
        int count = Math.toIntExact(store.count());
        int m = codebook.subspaces();
        byte[] codes = new byte[Math.multiplyExact(count, m)];
        int parts = Math.max(1, Math.min(threads, count / 1024 + 1));
        SearchThreads.run("quarry-pq-encode", parts, t -> {
            float[] row = new float[store.dim()];
            for (int r = (int) ((long) count * t / parts), end = (int) ((long) count * (t + 1) / parts); r < end; r++) {
                store.copyRow(r, row);
                codebook.encode(row, codes, r * m);
            }
        });
        return new PqCodes(codebook, codes);
    }

    PqCodebook codebook() {
        return codebook;
    }

    /** Writes the packed codes of the list holding {@code ordinals[first, first + size)}: whole blocks. */
    void writeList(SectionWriter w, int[] ordinals, int first, int size) throws IOException {
        int m = codebook.subspaces();
        byte[] rows = new byte[size * m];
        for (int r = 0; r < size; r++) {
            System.arraycopy(codes, ordinals[first + r] * m, rows, r * m, m);
        }
        byte[] packed = new byte[(int) FastScanLayout.bytes(size, m)];
        FastScanLayout.pack(rows, size, m, MemorySegment.ofArray(packed), 0);
        for (int at = 0; at < packed.length; at += CHUNK) {
            int n = Math.min(CHUNK, packed.length - at);
            w.room(n).put(packed, at, n);
        }
    }
}
