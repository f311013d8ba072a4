package dev.quarry.io;

import dev.quarry.mining.MinedAnchor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes mined anchors as rows of three .npy arrays: negative ordinals (int32, padded with -1),
 * their scores (float32, padded with NaN), and the anchor ordinals. Rows have a fixed size, so the
 * headers are written first with the total anchor count. Not thread-safe: one per worker.
 */
public final class NpyMinedEncoder implements MinedEncoder {
    private final int width;

    /** Rows of {@code width} negatives. */
    public NpyMinedEncoder(int width) {
        this.width = width;
    }

    @Override
    public byte[][] encode(MinedAnchor[] block) {
        ByteBuffer ids = ByteBuffer.allocate(4 * width * block.length).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer scores = ByteBuffer.allocate(4 * width * block.length).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer anchors = ByteBuffer.allocate(4 * block.length).order(ByteOrder.LITTLE_ENDIAN);
        for (MinedAnchor a : block) {
            anchors.putInt(a.anchor());
            for (int i = 0; i < width; i++) {
                boolean present = i < a.negatives().length;
                ids.putInt(present ? a.negatives()[i] : -1);
                scores.putFloat(present ? a.negativeScores()[i] : Float.NaN);
            }
        }
        return new byte[][] {ids.array(), scores.array(), anchors.array()};
    }
}
