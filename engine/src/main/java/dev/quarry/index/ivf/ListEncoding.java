package dev.quarry.index.ivf;

/**
 * How an IVF index stores the vectors of its lists. {@link #FLOAT32} keeps a copy of each row;
 * {@link #INT8} keeps one signed byte per component ({@link Int8Quantizer}), a quarter of the bytes a
 * probe reads, and rescores each query's best candidates with the store's float32 rows, so the scores
 * a search returns are the float32 index's.
 */
public enum ListEncoding {
    /** Rows as float32, in panels of 16. */
    FLOAT32(IvfHeader.FLOAT32),
    /** Rows as per-dimension scalar-quantized bytes, in panels of 16; candidates rescored in float32. */
    INT8(IvfHeader.INT8),
    /**
     * Rows as 4-bit product-quantization codes ({@link PqCodebook}) in the fast-scan layout: half a byte per
     * sub-space (48 bytes a row at dim 384, m 96, against 384 for int8); each query's best R candidates
     * rescored in float32.
     */
    PQ4(IvfHeader.PQ4);

    private final int code;

    ListEncoding(int code) {
        this.code = code;
    }

    /** The value of the header's list-encoding field. */
    int code() {
        return code;
    }

    /** The encoding of a header's field value (checked by the header). */
    static ListEncoding of(int code) {
        return code == IvfHeader.INT8 ? INT8 : code == IvfHeader.PQ4 ? PQ4 : FLOAT32;
    }

    /** The name users type: {@code float32}, {@code int8} or {@code pq4}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
