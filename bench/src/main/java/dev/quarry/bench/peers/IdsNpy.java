package dev.quarry.bench.peers;

import dev.quarry.store.NpyHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Result ids as an int32 {@code .npy} matrix [queries, k], the format the FAISS harness and the ground
 * truth script use, so every contender's ids compare with one reader.
 */
public final class IdsNpy {
    private IdsNpy() {
    }

    /** Writes {@code ids} ({@code queries x k}, row-major) to {@code file}, via a temporary file and a rename. */
    public static void write(Path file, int[] ids, int queries, int k) throws IOException {
        if ((long) queries * k != ids.length) {
            throw new IllegalArgumentException("ids.length=" + ids.length + ", expected " + queries + " x " + k);
        }
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, ByteBuffer.wrap(NpyHeader.encode("<i4", queries, k)));
            ByteBuffer body = ByteBuffer.allocate(4 * ids.length).order(ByteOrder.LITTLE_ENDIAN);
            body.asIntBuffer().put(ids);
            writeFully(ch, body);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads an int32 (or int64) {@code .npy} matrix [n, k'] of ids: the first {@code queries} rows as
     * {@code int[queries][k']}.
     */
    public static int[][] read(Path file, int queries) throws IOException {
        NpyHeader header = NpyHeader.read(file);
        long[] shape = header.shape();
        int width = switch (header.descr()) {
            case "<i4" -> 4;
            case "<i8" -> 8;
            default -> throw new IllegalArgumentException(file + ": dtype=" + header.descr() + ", expected <i4 or <i8");
        };
        if (shape.length != 2 || header.fortranOrder() || shape[0] < queries) {
            throw new IllegalArgumentException(file + ": shape=" + java.util.Arrays.toString(shape)
                    + ", expected a C-order matrix of at least " + queries + " rows");
        }
        int k = Math.toIntExact(shape[1]);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact((long) width * queries * k))
                    .order(ByteOrder.LITTLE_ENDIAN);
            long at = header.dataOffset();
            while (buf.hasRemaining()) {
                int n = ch.read(buf, at + buf.position());
                if (n < 0) {
                    throw new IllegalArgumentException(file + ": size=" + ch.size() + ", expected the "
                            + queries + " x " + k + " ids its header announces");
                }
            }
            buf.flip();
            int[][] ids = new int[queries][k];
            for (int q = 0; q < queries; q++) {
                for (int i = 0; i < k; i++) {
                    ids[q][i] = width == 4 ? buf.getInt() : Math.toIntExact(buf.getLong());
                }
            }
            return ids;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
