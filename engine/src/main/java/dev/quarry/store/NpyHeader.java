package dev.quarry.store;

import dev.quarry.QuarryDataException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The header of a NumPy {@code .npy} file (format versions 1.0, 2.0 and 3.0): magic
 * {@code \x93NUMPY}, version, header length (u16 for v1, u32 after), then a Python dict literal
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (N, D), }} padded with spaces and a
 * newline so the data starts aligned.
 *
 * @param version major format version (1, 2 or 3)
 * @param descr the dtype descriptor, e.g. {@code <f4}
 * @param fortranOrder whether the array is stored column-major
 * @param shape the array shape
 * @param dataOffset byte offset of the first element
 */
public record NpyHeader(int version, String descr, boolean fortranOrder, long[] shape, long dataOffset) {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Bytes to read to be sure the whole header is seen in all but pathological files. */
    static final int PREFIX = 10;

    public NpyHeader {
        Objects.requireNonNull(descr, "descr");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** True when the file starts with the NumPy magic. */
    static boolean hasMagic(ByteBuffer head) {
        if (head.remaining() < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (head.get(head.position() + i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** Reads and parses the header of an .npy file (any dtype). */
    public static NpyHeader read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer prefix = MatrixLayout.readAt(ch, 0, (int) Math.min(ch.size(), 12));
            long length = headerLength(file, prefix);
            if (length > ch.size() || length > (1 << 24)) {
                throw new QuarryDataException(file, "header length", length, "at most the file size " + ch.size());
            }
            return parse(file, MatrixLayout.readAt(ch, 0, (int) length));
        }
    }

    /** Length of the whole header (prefix and dict) given the first {@link #PREFIX} bytes. */
    static long headerLength(Path file, ByteBuffer head) {
        ByteBuffer buf = head.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (!hasMagic(buf)) {
            throw new QuarryDataException(file, "magic", "not \\x93NUMPY", "a .npy file");
        }
        if (buf.remaining() < PREFIX) {
            throw new QuarryDataException(file, "size", buf.remaining() + " bytes", "a complete .npy header");
        }
        int major = Byte.toUnsignedInt(buf.get(buf.position() + 6));
        return switch (major) {
            case 1 -> 10L + Short.toUnsignedInt(buf.getShort(buf.position() + 8));
            case 2, 3 -> {
                if (buf.remaining() < 12) {
                    throw new QuarryDataException(file, "size", buf.remaining() + " bytes", "a complete .npy header");
                }
                yield 12L + Integer.toUnsignedLong(buf.getInt(buf.position() + 8));
            }
            default -> throw new QuarryDataException(file, "npy version", major, "1, 2 or 3");
        };
    }

    /** Parses a complete header (prefix and dict). */
    static NpyHeader parse(Path file, ByteBuffer header) {
        ByteBuffer buf = header.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long length = headerLength(file, buf);
        int major = Byte.toUnsignedInt(buf.get(buf.position() + 6));
        int dictStart = major == 1 ? 10 : 12;
        if (buf.remaining() < length) {
            throw new QuarryDataException(file, "size", buf.remaining() + " bytes",
                    "at least the " + length + "-byte header it announces");
        }
        byte[] dictBytes = new byte[(int) (length - dictStart)];
        buf.position(buf.position() + dictStart);
        buf.get(dictBytes);
        String dict = new String(dictBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        return new DictParser(file, dict).parse(major, length);
    }

    /**
     * Encodes a version 1.0 header (2.0 when the dict does not fit 64 KiB) for a C-order array,
     * padded so the data starts at a multiple of 64 bytes.
     */
    public static byte[] encode(String descr, long... shape) {
        StringBuilder dims = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            dims.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        if (shape.length == 1) {
            dims.append(',');
        }
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        int prefix = 10;
        int total = (prefix + dict.length() + 1 + 63) / 64 * 64;
        if (total - prefix > 0xffff) {
            prefix = 12;
            total = (prefix + dict.length() + 1 + 63) / 64 * 64;
        }
        ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) (prefix == 10 ? 1 : 2)).put((byte) 0);
        if (prefix == 10) {
            buf.putShort((short) (total - prefix));
        } else {
            buf.putInt(total - prefix);
        }
        buf.put(dict.getBytes(StandardCharsets.ISO_8859_1));
        while (buf.position() < total - 1) {
            buf.put((byte) ' ');
        }
        buf.put((byte) '\n');
        return buf.array();
    }

    /** A parser for the one dict literal NumPy writes; anything else is an error naming the file. */
    private static final class DictParser {
        private final Path file;
        private final String text;
        private int pos;

        DictParser(Path file, String text) {
            this.file = file;
            this.text = text;
        }

        NpyHeader parse(int major, long length) {
            String descr = null;
            Boolean fortran = null;
            long[] shape = null;
            expect('{');
            while (true) {
                skipSpace();
                if (peek() == '}') {
                    pos++;
                    break;
                }
                String key = string();
                expect(':');
                switch (key) {
                    case "descr" -> descr = string();
                    case "fortran_order" -> fortran = bool();
                    case "shape" -> shape = tuple();
                    default -> value();
                }
                skipSpace();
                if (peek() == ',') {
                    pos++;
                } else if (peek() != '}') {
                    throw malformed("',' or '}'");
                }
            }
            if (descr == null || fortran == null || shape == null) {
                throw new QuarryDataException(file, "header", text.strip(),
                        "a dict with 'descr', 'fortran_order' and 'shape'");
            }
            return new NpyHeader(major, descr, fortran, shape, length);
        }

        private void value() {
            skipSpace();
            char c = peek();
            if (c == '\'' || c == '"') {
                string();
            } else if (c == '(') {
                tuple();
            } else {
                bool();
            }
        }

        private String string() {
            skipSpace();
            char quote = peek();
            if (quote != '\'' && quote != '"') {
                throw malformed("a quoted string");
            }
            int end = text.indexOf(quote, pos + 1);
            if (end < 0) {
                throw malformed("a closing quote");
            }
            String s = text.substring(pos + 1, end);
            pos = end + 1;
            return s;
        }

        private boolean bool() {
            skipSpace();
            if (text.startsWith("True", pos)) {
                pos += 4;
                return true;
            }
            if (text.startsWith("False", pos)) {
                pos += 5;
                return false;
            }
            throw malformed("True or False");
        }

        private long[] tuple() {
            expect('(');
            List<Long> dims = new ArrayList<>();
            while (true) {
                skipSpace();
                if (peek() == ')') {
                    pos++;
                    break;
                }
                int start = pos;
                while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                    pos++;
                }
                if (start == pos) {
                    throw malformed("a non-negative integer in 'shape'");
                }
                try {
                    dims.add(Long.parseLong(text.substring(start, pos)));
                } catch (NumberFormatException e) {
                    throw malformed("a dimension that fits 64 bits");
                }
                skipSpace();
                if (peek() == ',') {
                    pos++;
                } else if (peek() != ')') {
                    throw malformed("',' or ')' in 'shape'");
                }
            }
            return dims.stream().mapToLong(Long::longValue).toArray();
        }

        private void expect(char c) {
            skipSpace();
            if (peek() != c) {
                throw malformed("'" + c + "'");
            }
            pos++;
        }

        private char peek() {
            return pos < text.length() ? text.charAt(pos) : '\0';
        }

        private void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        private QuarryDataException malformed(String expected) {
            String near = text.substring(pos, Math.min(text.length(), pos + 20)).strip();
            return new QuarryDataException(file, "header", "'" + near + "' at character " + pos,
                    expected + " in the .npy header dict");
        }
    }
}
