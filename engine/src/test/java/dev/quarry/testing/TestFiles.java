package dev.quarry.testing;

import dev.quarry.store.NpyHeader;
import dev.quarry.store.QvecWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/** Writes matrix files, well-formed or deliberately broken, for tests. */
public final class TestFiles {
    private TestFiles() {
    }

    /** A .qvec of these rows. */
    public static Path qvec(Path path, float[][] rows, boolean normalized) {
        try (QvecWriter writer = QvecWriter.create(path, rows[0].length)) {
            for (float[] row : rows) {
                writer.write(row, 0, 1);
            }
            writer.finish(normalized);
        }
        return path;
    }

    /** A well-formed little-endian float32 .npy of these rows. */
    public static Path npyF4(Path path, float[][] rows) {
        int dim = rows[0].length;
        ByteBuffer data = ByteBuffer.allocate(4 * dim * rows.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : rows) {
            for (float x : row) {
                data.putFloat(x);
            }
        }
        return write(path, NpyHeader.encode("<f4", rows.length, dim), data.array());
    }

    /** A well-formed little-endian float16 .npy of these rows (values rounded to half precision). */
    public static Path npyF2(Path path, float[][] rows) {
        int dim = rows[0].length;
        ByteBuffer data = ByteBuffer.allocate(2 * dim * rows.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : rows) {
            for (float x : row) {
                data.putShort(Float.floatToFloat16(x));
            }
        }
        return write(path, NpyHeader.encode("<f2", rows.length, dim), data.array());
    }

    /**
     * An .npy with a hand-written header dict (any descr, order or shape) and {@code dataBytes}
     * zero bytes of data; {@code major} picks format version 1, 2 or 3.
     */
    public static Path npyRaw(Path path, int major, String dict, long dataBytes) {
        int prefix = major == 1 ? 10 : 12;
        int total = (prefix + dict.length() + 1 + 63) / 64 * 64;
        ByteBuffer header = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        header.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            header.putShort((short) (total - prefix));
        } else {
            header.putInt(total - prefix);
        }
        header.put(dict.getBytes(StandardCharsets.ISO_8859_1));
        while (header.position() < total - 1) {
            header.put((byte) ' ');
        }
        header.put((byte) '\n');
        return write(path, header.array(), new byte[(int) dataBytes]);
    }

    /** An .fvecs of these rows. */
    public static Path fvecs(Path path, float[][] rows) {
        int dim = rows[0].length;
        ByteBuffer data = ByteBuffer.allocate((4 + 4 * dim) * rows.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : rows) {
            data.putInt(dim);
            for (float x : row) {
                data.putFloat(x);
            }
        }
        return write(path, new byte[0], data.array());
    }

    /** Overwrites one byte. */
    public static void poke(Path path, long offset, int value) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {(byte) value}), offset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Inverts every bit of the byte at {@code offset}: whatever it held, it changes. */
    public static void flip(Path path, long offset) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, offset);
            ch.write(ByteBuffer.wrap(new byte[] {(byte) ~one.get(0)}), offset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits (30 s at most) until {@code path} has stood unchanged long enough for a checksum of it to be kept
     * ({@link dev.quarry.files.FileStamp#settled}): the condition, polled, never a fixed sleep.
     */
    public static Path awaitSettled(Path path) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        try {
            while (!dev.quarry.files.FileStamp.of(path).settled()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(path + " did not settle within 30 s: " + dev.quarry.files.FileStamp.of(path));
                }
                Thread.sleep(20);
            }
            return path;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Inverts the byte at {@code offset} in place and sets the mtime back: the same inode, size and mtime,
     * other content (only the ctime tells). Returns after the ctime moved, so the change is one a stamp sees.
     */
    public static void flipKeepingMtime(Path path, long offset) {
        try {
            java.nio.file.attribute.FileTime mtime = Files.getLastModifiedTime(path);
            Object ctime = Files.getAttribute(path, "unix:ctime");
            long deadline = System.nanoTime() + 30_000_000_000L;
            flip(path, offset);
            Files.setLastModifiedTime(path, mtime);
            while (Files.getAttribute(path, "unix:ctime").equals(ctime)) { // same clock tick: touch again
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(path + ": the ctime did not move within 30 s");
                }
                Thread.sleep(1);
                Files.setLastModifiedTime(path, mtime);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Cuts the file to {@code length} bytes. */
    public static void truncate(Path path, long length) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.truncate(length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The names in a directory, to check that nothing (no temp file) was left behind. */
    public static List<String> list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path write(Path path, byte[] header, byte[] data) {
        try {
            byte[] all = new byte[header.length + data.length];
            System.arraycopy(header, 0, all, 0, header.length);
            System.arraycopy(data, 0, all, header.length, data.length);
            Files.write(path, all);
            return path;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
