package dev.quarry.io;

import dev.quarry.mining.MinedAnchor;

/**
 * Turns a block of mined anchors into the bytes each output file gets for that block. Encoding runs
 * on the mining workers, in parallel; the single writer only appends bytes in block order. One
 * instance per worker (encoders reuse buffers).
 */
public interface MinedEncoder {
    /** One byte array per output file, in the order of {@link MinedOutput#files()}. */
    byte[][] encode(MinedAnchor[] block);
}
