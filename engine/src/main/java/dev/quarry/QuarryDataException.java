package dev.quarry;

import java.nio.file.Path;

/**
 * The user's data or paths are wrong: a malformed or unreadable input, a value out of range in a
 * file, an output path that cannot be written. The message always names the file, the field, the
 * value found and what was expected, in the form {@code file: field=value, expected ...}, so the
 * user can fix the input without reading code. The command line maps it to exit code 3.
 */
public class QuarryDataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String file;

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
        super(source + ": " + field + "=" + value + ", expected " + expected, cause);
        this.file = source;
    }

    /** The file or source at fault, as given. */
    public String file() {
        return file;
    }
}
