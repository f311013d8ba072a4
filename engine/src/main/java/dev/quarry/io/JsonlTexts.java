package dev.quarry.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.quarry.QuarryDataException;
import dev.quarry.files.ContentChecksum;
import dev.quarry.files.UserFiles;
import dev.quarry.labels.IdMap;
import dev.quarry.labels.IdTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * Texts of a store's rows from a JSONL file of {@code {"id": ..., "text": ...}} lines (BEIR's
 * {@code _id}, and {@code title} + {@code text}, accepted). The file is memory-mapped and only the
 * byte offset of each row's line is kept (8 bytes per row); a text is parsed when asked for.
 * Bytes that are not UTF-8 are read as U+FFFD when texts only decorate an output ({@link #open}, {@link #idsOf});
 * where texts become vectors ({@link #forEachText}) the caller says whether they are refused or replaced.
 * Thread-safe for reads.
 */
public final class JsonlTexts implements AutoCloseable {
    private static final JsonFactory JSON = new JsonFactory();

    private final Path file;
    private final Arena arena;
    private final MemorySegment data;
    private final long[] lineStart;
    private final long missing;
    private final IdMap ids;

    private JsonlTexts(Path file, Arena arena, MemorySegment data, long[] lineStart, long missing, IdMap ids) {
        this.file = file;
        this.arena = arena;
        this.data = data;
        this.lineStart = lineStart;
        this.missing = missing;
        this.ids = ids;
    }

    /**
     * Indexes {@code file} for a store of {@code rows} rows whose ids are {@code ids}; lines whose id
     * names no row are ignored, rows without a line are counted ({@link #missing()}).
     */
    public static JsonlTexts open(Path file, IdMap ids, long rows) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment data = map(file, arena);
            long[] starts = new long[(int) rows];
            Arrays.fill(starts, -1);
            forEachLine(file, data, null, InvalidUtf8.REPLACE, (lineNo, start, id) -> {
                int ordinal = ids.ordinal(id);
                if (ordinal >= 0) {
                    starts[ordinal] = start;
                }
            });
            long missing = Arrays.stream(starts).filter(s -> s < 0).count();
            return new JsonlTexts(file, arena, data, starts, missing, ids);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The ids of a JSONL file in line order, as an off-heap id table (line i = row i). */
    public static IdTable idsOf(Path file) {
        return IdTable.forSource(file, sink -> {
            try (Arena arena = Arena.ofConfined()) {
                forEachLine(file, map(file, arena), null, InvalidUtf8.REPLACE, (lineNo, start, id) -> sink.accept(id));
            }
        });
    }

    /** Rows of the store that have no line in the file. */
    public long missing() {
        return missing;
    }

    /**
     * Fails when a row has no text: outputs would otherwise mix texts and ids. {@code idSource} says
     * where the rows' ids come from, for the message.
     */
    public void requireEveryRow(String idSource) {
        if (missing == 0) {
            return;
        }
        int first = 0;
        while (lineStart[first] >= 0) {
            first++;
        }
        throw new QuarryDataException(file, "rows with a text", (lineStart.length - missing) + " of "
                + lineStart.length, "a line for every row (the first row without one is row " + first + ", id "
                + ids.id(first) + ", ids from " + idSource + ")");
    }

    /** The text of row {@code ordinal} ({@code title text} when both are present), or null without a line. */
    public String text(int ordinal) {
        long start = lineStart[ordinal];
        if (start < 0) {
            return null;
        }
        // The text decoded and stripped as open() read it: a line open() accepted parses again.
        return textOf(file, new String(lineBytes(data, start), StandardCharsets.UTF_8).strip(), null);
    }

    /** What {@link #forEachText} hands over for each line: its row (0-based, blank lines skipped), id and text. */
    public interface TextSink {
        /** One line's row, id and text. */
        void accept(long row, String id, String text);
    }

    /** What {@link #forEachId} hands over for each line that is not blank: its number (1-based) and its id. */
    public interface IdSink {
        /** One line's number and id. */
        void accept(long lineNo, String id);
    }

    /**
     * Checks every line of a JSONL file as {@link #forEachText} does and hands over each line's number and id,
     * without parsing its text.
     *
     * @return the checksum of the bytes read (with their count): the content this pass saw
     */
    public static ContentChecksum forEachId(Path file, String field, InvalidUtf8 invalid, IdSink sink) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = map(file, arena);
            forEachLine(file, data, field, invalid, (lineNo, start, id) -> sink.accept(lineNo, id));
            return new ContentChecksum().update(data, 0, data.byteSize());
        }
    }

    /**
     * Streams the rows of a JSONL file in line order with bounded memory: each line's id and the text of
     * {@code field} ({@code null}: {@code text}, with {@code title} before it when present, as {@link #text}).
     * Lines are checked as {@link #open} checks them; a line without a string {@code field} is refused, and so
     * is a byte that is not UTF-8 unless {@code invalid} replaces it.
     */
    public static void forEachText(Path file, String field, InvalidUtf8 invalid, TextSink sink) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = map(file, arena);
            long[] row = {0};
            forEachLine(file, data, field, invalid, (lineNo, start, id) -> {
                // Checked by forEachLine: decoding again cannot meet a byte it refused.
                String line = new String(lineBytes(data, start), StandardCharsets.UTF_8).strip();
                sink.accept(row[0]++, id, textOf(file, line, field));
            });
        }
    }

    private static String textOf(Path file, String line, String field) {
        try (JsonParser p = JSON.createParser(line)) {
            String title = null;
            String text = null;
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.VALUE_STRING && name.equals(field == null ? "text" : field)) {
                    text = p.getText();
                } else if (t == JsonToken.VALUE_STRING && field == null && name.equals("title")) {
                    title = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            if (title == null || title.isBlank()) {
                return text == null ? "" : text;
            }
            return text == null || text.isBlank() ? title : title + " " + text;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot re-read " + file, e);
        }
    }

    @Override
    public void close() {
        arena.close();
    }

    private interface LineVisitor {
        void visit(long lineNo, long start, String id);
    }

    private static MemorySegment map(Path file, Arena arena) {
        UserFiles.requireInput(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.size() == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (IOException e) {
            throw QuarryDataException.unreadable(file, "file", e, "a readable JSONL file");
        }
    }

    private static void forEachLine(Path file, MemorySegment data, String field, InvalidUtf8 invalid,
                                    LineVisitor visitor) {
        CharsetDecoder strict = invalid == InvalidUtf8.REFUSE ? StandardCharsets.UTF_8.newDecoder() : null;
        long size = data.byteSize();
        long start = 0;
        long lineNo = 0;
        while (start < size) {
            byte[] line = lineBytes(data, start);
            lineNo++;
            long next = start + line.length + 1;
            String trimmed = decode(file, lineNo, start, line, strict).strip();
            if (!trimmed.isEmpty()) {
                visitor.visit(lineNo, start, idOf(file, lineNo, trimmed, field));
            }
            start = next;
        }
    }

    /**
     * A line's characters: with a {@code strict} decoder, a byte sequence that is not UTF-8 is refused naming the
     * line and the byte's offset in the file (0-based, as {@code xxd} shows it); without one, it is
     * read as U+FFFD.
     */
    private static String decode(Path file, long lineNo, long lineStart, byte[] line, CharsetDecoder strict) {
        if (strict == null) {
            return new String(line, StandardCharsets.UTF_8);
        }
        ByteBuffer in = ByteBuffer.wrap(line);
        CharBuffer out = CharBuffer.allocate(line.length); // UTF-8 never takes fewer bytes than UTF-16 takes chars
        CoderResult result = strict.reset().decode(in, out, true);
        if (!result.isError()) {
            result = strict.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            StringBuilder bytes = new StringBuilder();
            for (int i = at; i < Math.min(line.length, at + Math.max(1, result.length())); i++) {
                bytes.append(bytes.isEmpty() ? "" : " ").append(String.format(Locale.ROOT, "0x%02x",
                        line[i] & 0xff));
            }
            throw new QuarryDataException(file, "line " + lineNo + " byte offset " + (lineStart + at) + " (byte "
                    + (at + 1) + " of the line)", bytes + " (not UTF-8)", "UTF-8 text (quarry embed"
                    + " --on-invalid-utf8 replace reads such bytes as U+FFFD instead)");
        }
        return out.flip().toString();
    }

    private static byte[] lineBytes(MemorySegment data, long start) {
        long size = data.byteSize();
        long end = start;
        while (end < size && data.get(ValueLayout.JAVA_BYTE, end) != '\n') {
            end++;
        }
        byte[] line = new byte[(int) (end - start)];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, start, line, 0, line.length);
        return line;
    }

    /** The line's id, once the line is checked: an object with an id and a string text ({@code field}, or text/title). */
    private static String idOf(Path file, long lineNo, String line, String textField) {
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad(file, lineNo, line, "a JSON object per line");
            }
            String id = null;
            boolean hasText = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if ((name.equals("id") || name.equals("_id"))
                        && (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT)) {
                    id = p.getText();
                } else if (textField == null ? name.equals("text") || name.equals("title") : name.equals(textField)) {
                    if (t != JsonToken.VALUE_STRING && t != JsonToken.VALUE_NULL) {
                        throw new QuarryDataException(file, "line " + lineNo + " \"" + name + "\"", t.isScalarValue()
                                ? p.getText() + " (a " + kind(t) + ")" : "a " + kind(t), "a string");
                    }
                    hasText |= t == JsonToken.VALUE_STRING;
                    p.skipChildren();
                } else {
                    p.skipChildren();
                }
            }
            if (id == null) {
                throw bad(file, lineNo, line, "an \"id\" (or \"_id\") field");
            }
            if (!hasText) {
                throw bad(file, lineNo, line, textField == null ? "a \"text\" (or \"title\") string"
                        : "a \"" + textField + "\" string");
            }
            return id;
        } catch (JsonProcessingException e) { // syntax, and Jackson's limits (nesting depth, number length)
            throw QuarryDataException.json(file, "line " + lineNo, line, e, true, "one JSON object per line");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String kind(JsonToken t) {
        return switch (t) {
            case START_OBJECT -> "JSON object";
            case START_ARRAY -> "JSON array";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
            case VALUE_TRUE, VALUE_FALSE -> "boolean";
            default -> "JSON value";
        };
    }

    private static QuarryDataException bad(Path file, long lineNo, String line, String expected) {
        return new QuarryDataException(file, "line " + lineNo, "'" + abbreviate(line) + "'", expected);
    }

    private static String abbreviate(String line) {
        return line.length() <= 60 ? line : line.substring(0, 57) + "...";
    }

}
