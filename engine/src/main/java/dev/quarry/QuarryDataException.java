package dev.quarry;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.io.ContentReference;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.nio.file.Path;

/**
 * The user's data or paths are wrong: a malformed or unreadable input, a value out of range in a
 * file, an output path that cannot be written. The message always names the file, the field, the
 * value found and what was expected, in the form {@code file: field=value, expected ...}, so the
 * user can fix the input without reading code. The command line maps it to exit code 3.
 *
 * <p>Values come from the user's files and can be anything: an id of 100 KB, a line with NUL bytes.
 * The message prints every part through {@link #printable(Object, int)}: control characters escaped
 * ({@code \n}, {@code \t}, {@code \u0000}), the value and the field cut to {@value #MAX_VALUE_CHARS}
 * characters, so a message stays one short, printable line.
 */
public class QuarryDataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Characters of a value (and of a field) printed before it is cut. */
    public static final int MAX_VALUE_CHARS = 120;

    /** Characters of the expectation printed before it is cut (it is ours, but may quote a value). */
    private static final int MAX_EXPECTED_CHARS = 1000;

    private final String file;
    private final String detail;

    /**
     * @param file the file at fault (its name as the user gave it)
     * @param field the field, header entry or row that is wrong, e.g. {@code dtype} or {@code row[17]}
     * @param value what was found
     * @param expected what would have been accepted
     */
    public QuarryDataException(Path file, String field, Object value, String expected) {
        this(String.valueOf(file), field, value, expected, null);
    }

    /** As {@link #QuarryDataException(Path, String, Object, String)}, keeping the I/O cause. */
    public QuarryDataException(Path file, String field, Object value, String expected, Throwable cause) {
        this(String.valueOf(file), field, value, expected, cause);
    }

    /** For inputs that are not files (an in-process array, a stream): {@code source} names it. */
    public QuarryDataException(String source, String field, Object value, String expected, Throwable cause) {
        this(source, detail(field, printable(value, MAX_VALUE_CHARS), expected), cause);
    }

    private QuarryDataException(String source, String detail, Throwable cause) {
        super(printable(source, Integer.MAX_VALUE) + ": " + detail, cause);
        this.file = source;
        this.detail = detail;
    }

    /** The message, {@code value} being printable already. */
    private static String detail(String field, String value, String expected) {
        return printable(field, MAX_VALUE_CHARS) + "=" + value + ", expected " + printable(expected, MAX_EXPECTED_CHARS);
    }

    /**
     * A JSON parse error at {@code field} of {@code file}: {@code file: field='excerpt' (problem), expected ...}, the
     * problem being Jackson's own message with where it happened (see {@link #jsonProblem}), never Jackson's
     * description of its source ({@code Source: REDACTED ...}).
     *
     * @param excerpt the text that failed to parse, cut like any value
     * @param oneLine true when the parser read this one line of the file (the field names the line; Jackson's
     *                line number, always 1, is left out)
     */
    public static QuarryDataException json(Path file, String field, String excerpt, JsonProcessingException e,
                                           boolean oneLine, String expected) {
        // The excerpt is cut like a value; the problem, Jackson's short message made printable, is kept whole.
        String value = "'" + printable(excerpt, MAX_VALUE_CHARS) + "' (" + jsonProblem(e, oneLine) + ")";
        String source = String.valueOf(file);
        return new QuarryDataException(source, detail(field, value, expected), e);
    }

    /**
     * A file that could not be read or parsed: {@code file: field=unreadable (reason), expected ...}, the reason as
     * {@link #reason} gives it (Jackson's message and location for a JSON or CSV error), kept whole.
     */
    public static QuarryDataException unreadable(Path file, String field, Throwable e, String expected) {
        String source = String.valueOf(file);
        return new QuarryDataException(source, detail(field, "unreadable (" + reason(e) + ")", expected), e);
    }

    /**
     * Jackson's problem, where it happened and in which field, from the exception's structured data: its original
     * message ({@link JsonProcessingException#getOriginalMessage()}), its location ({@link
     * JsonProcessingException#getLocation()}), and the field as a JSON pointer: the path of a mapping error ({@link
     * JsonMappingException#getPath()}), or the parser's context at the error. Jackson names where an unclosed array
     * or object started inside its message, as the description of that context's start location ({@code [Source:
     * REDACTED ...; line: 1, column: 28]}); that description is replaced by the location in our words. The result
     * reads {@code Unexpected character ... at line 3, column 17, field /positives/0}, or {@code ... at column 17...}
     * when {@code oneLine} (the parser read a single line and the caller names it); made printable.
     */
    public static String jsonProblem(JsonProcessingException e, boolean oneLine) {
        String message = String.valueOf(e.getOriginalMessage());
        JsonLocation at = e.getLocation();
        String field = "";
        if (e.getProcessor() instanceof JsonParser parser && parser.getParsingContext() != null) {
            ContentReference source = at != null ? at.contentReference() : ContentReference.unknown();
            for (JsonStreamContext c = parser.getParsingContext(); c != null; c = c.getParent()) {
                JsonLocation start = c.startLocation(source);
                if (start != null && start.getColumnNr() > 0) {
                    message = message.replace(start.toString(), location(start.getLineNr(), start.getColumnNr(), oneLine));
                }
            }
            field = parser.getParsingContext().pathAsPointer().toString();
        }
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            StringBuilder pointer = new StringBuilder();
            for (JsonMappingException.Reference r : mapping.getPath()) {
                pointer.append('/').append(r.getFieldName() != null ? r.getFieldName() : String.valueOf(r.getIndex()));
            }
            field = pointer.toString();
        }
        String problem = printable(message, 2 * MAX_VALUE_CHARS);
        if (at != null && at.getColumnNr() >= 1) {
            problem += " at " + location(at.getLineNr(), at.getColumnNr(), oneLine);
        }
        return field.isEmpty() ? problem : problem + ", field " + printable(field, MAX_VALUE_CHARS);
    }

    private static String location(long line, long column, boolean oneLine) {
        return oneLine ? "column " + column : "line " + line + ", column " + column;
    }

    /**
     * The reason a read failed, printable and at most a few hundred characters: Jackson's problem and location when
     * it is a JSON or CSV error, or wraps one as Jackson's iterators do (see {@link #jsonProblem}); the exception's
     * message otherwise.
     */
    public static String reason(Throwable e) {
        if (e instanceof JsonProcessingException json) {
            return jsonProblem(json, false);
        }
        if (e.getCause() instanceof JsonProcessingException json) {
            return jsonProblem(json, false);
        }
        return printable(e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName(), 2 * MAX_VALUE_CHARS);
    }

    /** {@code value} as it can be printed in a message: see {@link #printable(Object, int)}, cut at the default. */
    public static String printable(Object value) {
        return printable(value, MAX_VALUE_CHARS);
    }

    /**
     * {@code value} as it can be printed in a one-line message: control characters escaped ({@code \n}, {@code \r},
     * {@code \t}, others as {@code \u0000}; line separators and the bidirectional overrides that reorder text too),
     * and when the escaped text is longer than {@code max} characters, its first {@code max} characters followed by
     * {@code ... (N chars)}, N being the value's length.
     */
    public static String printable(Object value, int max) {
        String text = String.valueOf(value);
        StringBuilder out = new StringBuilder(Math.min(text.length(), max) + 24);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String escaped = escape(c);
            int width = escaped == null ? 1 : escaped.length();
            // A surrogate pair is kept whole or cut whole.
            boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            if (out.length() + width + (pair ? 1 : 0) > max) {
                return out.append("... (").append(text.length()).append(" chars)").toString();
            }
            if (escaped != null) {
                out.append(escaped);
            } else {
                out.append(c);
                if (pair) {
                    out.append(text.charAt(++i));
                }
            }
        }
        return out.toString();
    }

    /** The escape of a character that must not reach a terminal or log as is, or null. */
    private static String escape(char c) {
        switch (c) {
            case '\n':
                return "\\n";
            case '\r':
                return "\\r";
            case '\t':
                return "\\t";
            default:
                break;
        }
        boolean control = Character.isISOControl(c)
                || c == '\u2028' || c == '\u2029' // line and paragraph separators
                || c == '\u200e' || c == '\u200f' // left-to-right and right-to-left marks
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069'); // bidi embeddings, isolates
        return control ? String.format("\\u%04x", (int) c) : null;
    }

    /** The file or source at fault, as given. */
    public String file() {
        return file;
    }

    /** What is wrong in the file, without its name: {@code field=value, expected ...} (printable). */
    public String detail() {
        return detail;
    }
}
