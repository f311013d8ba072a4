package dev.quarry;

/**
 * An option value that cannot work, found by the engine: out of range, or not fitting the data it is
 * applied to once the data is open (e.g. {@code range_max} beyond the corpus size). The error is data:
 * the field at fault, the value given and what was expected, each a field of its own, so every door (the
 * command line, the HTTP service, Spark) renders it in its own words without reading the message back.
 * The command line maps it to exit code 2, the service to a 400.
 */
public class QuarryUsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 2L;

    private final String field;
    private final String value;
    private final String expected;

    /**
     * @param field the engine's name of the setting (a schema key such as {@code num_negatives}, or another
     *              engine field such as {@code nlist})
     * @param value the value given
     * @param expected what would have been accepted
     */
    public QuarryUsageException(String field, Object value, String expected) {
        super(field + "=" + value + ", expected " + expected);
        this.field = field;
        this.value = String.valueOf(value);
        this.expected = expected;
    }

    /** The field at fault. */
    public String field() {
        return field;
    }

    /** The value given, as text. */
    public String value() {
        return value;
    }

    /** What would have been accepted, in the engine's words. */
    public String expected() {
        return expected;
    }
}
