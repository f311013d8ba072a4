package dev.quarry.store;

import dev.quarry.QuarryDataException;
import dev.quarry.files.FileFormat;
import dev.quarry.files.UserFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Where the rows of a matrix file are: format, element type, shape, byte offset of row 0 and the
 * stride between rows, read from the file's header and checked against the file's size. Every
 * supported format is a dense row-major matrix at a fixed stride, so once the layout is known a row
 * is addressed in place.
 *
 * @param path the file
 * @param format its format
 * @param type element type
 * @param dim elements per row
 * @param count rows
 * @param dataOffset byte offset of row 0's first element
 * @param rowStride bytes from one row to the next ({@code 4 + 4 * dim} for fvecs)
 * @param normalized the file declares unit-norm rows (qvec flag)
 * @param mayHoldNonFinite the file may hold NaN or infinite rows (qvec flag; true for formats that do not say)
 * @param headerCrc the qvec header CRC, 0 for other formats
 * @param fileSize bytes in the file
 * @param recordedChecksum the checksum of the rows the file records (a version 2 qvec's footer), or empty
 */
public record MatrixLayout(Path path, StoreFormat format, ElementType type, int dim, long count,
                           long dataOffset, long rowStride, boolean normalized, boolean mayHoldNonFinite, int headerCrc,
                           long fileSize,
                           OptionalLong recordedChecksum) {
    /** Rows wider than this are certainly a misread header. */
    static final int MAX_DIM = 1 << 20;

    /** Reads and checks the header of a {@code .qvec}, {@code .npy} or {@code .fvecs} file. */
    public static MatrixLayout read(Path path) {
        UserFiles.requireInput(path);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                throw new QuarryDataException(path, "size", "0 bytes (empty file)", "a .qvec, .npy or .fvecs matrix");
            }
            ByteBuffer head = readAt(ch, 0, (int) Math.min(size, QvecHeader.SIZE));
            StoreFormat format = sniff(path, head);
            return switch (format) {
                case QVEC -> qvec(path, ch, head, size);
                case NPY -> npy(path, ch, head, size);
                case FVECS -> fvecs(path, ch, head, size);
            };
        } catch (NoSuchFileException e) {
            throw new QuarryDataException(path, "file", "not found", "an existing, readable file", e);
        } catch (AccessDeniedException e) {
            throw new QuarryDataException(path, "file", "permission denied", "a readable file", e);
        } catch (IOException e) {
            throw new QuarryDataException(path, "file", "unreadable (" + e.getMessage() + ")", "a readable file", e);
        }
    }

    private static StoreFormat sniff(Path path, ByteBuffer head) {
        byte[] four = new byte[Math.min(4, head.remaining())];
        head.duplicate().get(four);
        if (Arrays.equals(four, QvecHeader.MAGIC)) {
            return StoreFormat.QVEC;
        }
        if (NpyHeader.hasMagic(head)) {
            return StoreFormat.NPY;
        }
        StoreFormat byName = StoreFormat.fromName(path);
        if (byName == StoreFormat.FVECS) {
            return byName;
        }
        if (byName != null) {
            // The name promises a format whose magic is missing: let that format's parser say so.
            return byName;
        }
        throw new QuarryDataException(path, "magic", magicOf(head),
                "\"QVEC\" (.qvec), \"\\x93NUMPY\" (.npy), or a file named *.fvecs");
    }

    private static MatrixLayout qvec(Path path, FileChannel ch, ByteBuffer head, long size) throws IOException {
        QvecHeader h = QvecHeader.decode(path, head);
        long expected = QvecHeader.SIZE + h.dataBytes() + h.footerBytes();
        checkSize(path, size, expected, QvecHeader.SIZE + " + count x dim x 4" + (h.footerBytes() > 0 ? " + "
                + h.footerBytes() : "") + " = " + expected + " bytes (count=" + h.count() + ", dim=" + h.dim()
                + ", version " + h.version() + ")");
        OptionalLong checksum = h.footerBytes() == 0 ? OptionalLong.empty()
                : OptionalLong.of(QvecHeader.FORMAT.readFooter(path, readAt(ch, size - FileFormat.FOOTER_BYTES,
                FileFormat.FOOTER_BYTES)));
        return new MatrixLayout(path, StoreFormat.QVEC, ElementType.FLOAT32, h.dim(), h.count(), QvecHeader.SIZE,
                4L * h.dim(), h.normalized(), h.mayHoldNonFinite(), h.crc(), size, checksum);
    }

    private static MatrixLayout npy(Path path, FileChannel ch, ByteBuffer head, long size) throws IOException {
        if (size < NpyHeader.PREFIX) {
            throw new QuarryDataException(path, "size", size + " bytes", "at least a 10-byte .npy header");
        }
        long headerLength = NpyHeader.headerLength(path, head);
        if (headerLength > size) {
            throw new QuarryDataException(path, "header length", headerLength,
                    "at most the file size " + size + " (truncated file?)");
        }
        if (headerLength > (1 << 24)) {
            throw new QuarryDataException(path, "header length", headerLength, "under 16 MiB");
        }
        NpyHeader h = NpyHeader.parse(path, readAt(ch, 0, (int) headerLength));
        ElementType type = switch (h.descr()) {
            case "<f4" -> ElementType.FLOAT32;
            case "<f2" -> ElementType.FLOAT16;
            default -> throw new QuarryDataException(path, "dtype", h.descr(), "<f4 or <f2 (little-endian float32"
                    + " or float16)" + (h.descr().startsWith(">") ? "; convert with arr.astype('<f4')" : ""));
        };
        if (h.fortranOrder()) {
            throw new QuarryDataException(path, "fortran_order", "True",
                    "False (C order); save with np.ascontiguousarray(arr)");
        }
        long[] shape = h.shape();
        if (shape.length != 2) {
            throw new QuarryDataException(path, "shape", shapeText(shape), "a 2-d array (rows, dim)");
        }
        if (shape[1] < 1 || shape[1] > MAX_DIM) {
            throw new QuarryDataException(path, "shape", shapeText(shape), "dim between 1 and " + MAX_DIM);
        }
        int dim = (int) shape[1];
        long count = shape[0];
        long rowBytes = (long) dim * type.bytes();
        if (count > (Long.MAX_VALUE - headerLength) / rowBytes) {
            throw new QuarryDataException(path, "shape", shapeText(shape), "a size that fits a file");
        }
        long expected = headerLength + count * rowBytes;
        checkSize(path, size, expected, "header " + headerLength + " + " + count + " x " + dim + " x "
                + type.bytes() + " = " + expected + " bytes");
        return new MatrixLayout(path, StoreFormat.NPY, type, dim, count, headerLength, rowBytes, false, true, 0, size,
                OptionalLong.empty());
    }

    private static MatrixLayout fvecs(Path path, FileChannel ch, ByteBuffer head, long size) throws IOException {
        if (size < 4) {
            throw new QuarryDataException(path, "size", size + " bytes", "at least one row (a 4-byte dim first)");
        }
        int dim = head.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (dim < 1 || dim > MAX_DIM) {
            throw new QuarryDataException(path, "row[0] dim", dim, "between 1 and " + MAX_DIM
                    + " (is this an .fvecs file?)");
        }
        long stride = 4 + 4L * dim;
        if (size % stride != 0) {
            throw new QuarryDataException(path, "size", size + " bytes",
                    "a multiple of 4 + 4 x dim = " + stride + " (dim=" + dim + " from row 0; truncated file?)");
        }
        long count = size / stride;
        int last = readAt(ch, (count - 1) * stride, 4).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (last != dim) {
            throw new QuarryDataException(path, "row[" + (count - 1) + "] dim", last, dim + " as in row 0");
        }
        return new MatrixLayout(path, StoreFormat.FVECS, ElementType.FLOAT32, dim, count, 4, stride, false, true, 0, size,
                OptionalLong.empty());
    }

    private static void checkSize(Path path, long size, long expected, String what) {
        if (size < expected) {
            throw new QuarryDataException(path, "size", size + " bytes", what + " (the file is truncated)");
        }
        if (size > expected) {
            throw new QuarryDataException(path, "size", size + " bytes", what + " (trailing bytes after the rows)");
        }
    }

    static ByteBuffer readAt(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) {
                break;
            }
        }
        return buf.flip();
    }

    static String shapeText(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    private static String magicOf(ByteBuffer head) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(6, head.remaining()); i++) {
            sb.append(String.format(Locale.ROOT, "%02x", head.get(head.position() + i)));
        }
        return "0x" + sb;
    }

    /** Byte offset of row {@code row} in the file. */
    public long rowOffset(long row) {
        return dataOffset + row * rowStride;
    }

    /** A short description for messages: {@code npy <f4 1000000 x 384}. */
    public String describe() {
        String dtype = switch (format) {
            case NPY -> type == ElementType.FLOAT32 ? "<f4" : "<f2";
            default -> "float32";
        };
        return format.name().toLowerCase(Locale.ROOT) + " " + dtype + " " + count + " x " + dim;
    }
}
