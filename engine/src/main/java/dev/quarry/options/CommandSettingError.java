package dev.quarry.options;

import dev.quarry.QuarryUsageException;

/**
 * A value of a {@link CommandSetting} refused: the setting itself, the value given and what was expected, each
 * a field. Its {@link #field()} is the setting's engine name; the command line renders it with the setting's
 * flag ({@link Door#render(QuarryUsageException)}).
 */
public final class CommandSettingError extends QuarryUsageException {
    private static final long serialVersionUID = 1L;

    private final CommandSetting setting;

    /**
     * @param setting the setting at fault
     * @param value the value given
     * @param expected what would have been accepted
     */
    public CommandSettingError(CommandSetting setting, Object value, String expected) {
        super(setting.field(), value, expected);
        this.setting = setting;
    }

    /** The setting at fault. */
    public CommandSetting setting() {
        return setting;
    }
}
