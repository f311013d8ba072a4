package dev.quarry.vector.internal;

/**
 * Shape of the block micro-kernel: how many vectors of queries one tile holds against
 * {@link BlockMicroKernels#TILE_ROWS} corpus rows. The accumulators (vectors x rows) plus the loaded
 * query vectors and one broadcast must fit the register file, or the JIT spills them to the stack.
 */
public enum TileShape {
    /** 4 vectors x 6 rows = 24 accumulators + 5: for 32 vector registers (AVX-512). */
    WIDE(4),
    /** 2 vectors x 6 rows = 12 accumulators + 3: for 16 vector registers (AVX2, SSE). */
    NARROW(2);

    private final int vectors;

    TileShape(int vectors) {
        this.vectors = vectors;
    }

    /** Query vectors per tile. */
    public int vectors() {
        return vectors;
    }

    /** {@code auto} picks WIDE for 16 or more lanes (512-bit), NARROW otherwise. */
    static TileShape parse(String name, int lanes) {
        return switch (name) {
            case "auto" -> lanes >= 16 ? WIDE : NARROW;
            case "wide" -> WIDE;
            case "narrow" -> NARROW;
            default -> throw new IllegalArgumentException(
                    "quarry.vector.tile=" + name + ", expected auto, wide or narrow");
        };
    }
}
