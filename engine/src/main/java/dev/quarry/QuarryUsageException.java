package dev.quarry;

/**
 * An option value that cannot work, found by the engine: out of range, or not fitting the data it is
 * applied to once the data is open (e.g. {@code rangeMax} beyond the corpus size). The message names
 * the engine's own field ({@code rangeMax=500, expected ...}); the command line maps fields to its
 * flags ({@code --range-max}) and the error to exit code 2, like any other usage error.
 */
public class QuarryUsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String field;

    /**
     * @param field the engine's name of the setting, e.g. {@code numNegatives}
     * @param value the value given
     * @param expected what would have been accepted (may name other fields)
     */
    public QuarryUsageException(String field, Object value, String expected) {
        super(field + "=" + value + ", expected " + expected);
        this.field = field;
    }

    /** Settings that do not go together (the message names them by their engine fields). */
    public QuarryUsageException(String message) {
        super(message);
        this.field = null;
    }

    /** The field at fault, or null when the message is about several. */
    public String field() {
        return field;
    }
}
