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
    INT8(IvfHeader.INT8);

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
        return code == IvfHeader.INT8 ? INT8 : FLOAT32;
    }

    /** The name users type: {@code float32} or {@code int8}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
