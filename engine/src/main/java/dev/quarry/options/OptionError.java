package dev.quarry.options;

import dev.quarry.QuarryUsageException;

/**
 * A setting's value refused: the setting's key, the value as given, and what was expected, each a field.
 * "Expected" may name other settings as {@code {key}} (the rank window's {@code at most {range_max} -
 * {range_min}}); each door renders the error with its own names ({@link Door#render}), never by reading
 * the message back. The message itself is in the schema's keys.
 */
public final class OptionError extends QuarryUsageException {
    private static final long serialVersionUID = 1L;

    /**
     * @param setting the setting at fault
     * @param value the value given (as text, or the typed value)
     * @param expected what would have been accepted; {@code {key}} names another setting
     */
    public OptionError(Setting<?> setting, Object value, String expected) {
        this(setting.key(), value, expected);
    }

    /** As above, by the setting's key. */
    public OptionError(String key, Object value, String expected) {
        super(key, value, expected);
    }

    @Override
    public String getMessage() {
        return field() + "=" + value() + ", expected " + expected().replace("{", "").replace("}", "");
    }
}
