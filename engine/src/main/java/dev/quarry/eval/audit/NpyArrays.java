package dev.quarry.eval.audit;

import dev.quarry.QuarryDataException;
import dev.quarry.files.UserFiles;
import dev.quarry.store.NpyHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.BiFunction;

/** Reads the small int32 / float32 .npy arrays of a mined set (1-d or 2-d, C order) onto the heap. */
final class NpyArrays {
    private NpyArrays() {
    }

    static int[][] ints(Path file) {
        ByteBuffer data = data(file, "<i4");
        int[][] out = matrix(file, (rows, cols) -> new int[rows][cols]);
        for (int[] row : out) {
            data.asIntBuffer().get(row);
            data.position(data.position() + 4 * row.length);
        }
        return out;
    }

    static float[][] floats(Path file) {
        ByteBuffer data = data(file, "<f4");
        float[][] out = matrix(file, (rows, cols) -> new float[rows][cols]);
        for (float[] row : out) {
            data.asFloatBuffer().get(row);
            data.position(data.position() + 4 * row.length);
        }
        return out;
    }

    /** An array of the file's shape: [rows][cols], a 1-d array being one column. */
    private static <T> T matrix(Path file, BiFunction<Integer, Integer, T> allocate) {
        long[] shape = shape(file);
        return allocate.apply((int) shape[0], shape.length > 1 ? (int) shape[1] : 1);
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
            UserFiles.requireInput(file);
            byte[] all = Files.readAllBytes(file);
            long cells = 1;
            for (long d : h.shape()) {
                cells *= d; // at most (file size / 4) x 2^31 before the checks stop it: no overflow
                if (d > Integer.MAX_VALUE || cells > all.length / 4) {
                    throw new QuarryDataException(file, "shape", Arrays.toString(h.shape()),
                            "a shape whose data fits the file's " + all.length + " bytes");
                }
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
