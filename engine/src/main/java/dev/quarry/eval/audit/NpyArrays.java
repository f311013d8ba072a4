package dev.quarry.eval.audit;

import dev.quarry.QuarryDataException;
import dev.quarry.store.NpyHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Reads the small int32 / float32 .npy arrays of a mined set (1-d or 2-d, C order) onto the heap. */
final class NpyArrays {
    private NpyArrays() {
    }

    static int[][] ints(Path file) {
        ByteBuffer data = data(file, "<i4");
        long[] shape = shape(file);
        int rows = (int) shape[0];
        int cols = shape.length > 1 ? (int) shape[1] : 1;
        int[][] out = new int[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r][c] = data.getInt();
            }
        }
        return out;
    }

    static float[][] floats(Path file) {
        ByteBuffer data = data(file, "<f4");
        long[] shape = shape(file);
        int rows = (int) shape[0];
        int cols = shape.length > 1 ? (int) shape[1] : 1;
        float[][] out = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r][c] = data.getFloat();
            }
        }
        return out;
    }

    private static long[] shape(Path file) {
        return header(file).shape();
    }

    private static NpyHeader header(Path file) {
        try {
            return NpyHeader.read(file);
        } catch (IOException e) {
            throw new QuarryDataException(file, "file", "unreadable (" + e.getMessage() + ")", "a .npy array", e);
        }
    }

    private static ByteBuffer data(Path file, String descr) {
        NpyHeader h = header(file);
        if (!h.descr().equals(descr) || h.fortranOrder() || h.shape().length == 0 || h.shape().length > 2) {
            throw new QuarryDataException(file, "dtype/shape", h.descr() + " " + Arrays.toString(h.shape()),
                    descr + ", C order, 1-d or 2-d");
        }
        try {
            byte[] all = Files.readAllBytes(file);
            long cells = 1;
            for (long d : h.shape()) {
                cells *= d;
            }
            if (all.length != h.dataOffset() + 4 * cells) {
                throw new QuarryDataException(file, "size", all.length + " bytes", (h.dataOffset() + 4 * cells)
                        + " bytes for shape " + Arrays.toString(h.shape()) + " (truncated?)");
            }
            return ByteBuffer.wrap(all, (int) h.dataOffset(), (int) (4 * cells)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new QuarryDataException(file, "file", "unreadable (" + e.getMessage() + ")", "a .npy array", e);
        }
    }
}
