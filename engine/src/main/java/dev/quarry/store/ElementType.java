package dev.quarry.store;

/** The type of one matrix element in a file. Kernels work on float32; float16 is converted on import. */
public enum ElementType {
    FLOAT32(4),
    FLOAT16(2);

    private final int bytes;

    ElementType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }
}
