package dev.quarry.options;

import java.util.HashMap;
import java.util.Map;

/**
 * Reads a request's settings from name/value text as a door receives them (query parameters, JSON fields,
 * Spark options) by that door's names. Unknown names and a setting named twice (e.g. {@code num_negatives}
 * and {@code num-negatives}) are refused; every value is parsed and checked by its {@link Setting} before
 * anything is built from it.
 */
public final class OptionText {
    private OptionText() {
    }

    /**
     * Adds {@code name = text} to {@code into}, as {@code door} names settings.
     *
     * @param seen the settings named so far in this request, by the name used (to refuse a second name)
     * @return false when the door has no setting of that name (the caller decides whether that is an error)
     * @throws OptionError for a value the setting refuses, or a setting named twice
     */
    public static boolean add(Door door, String name, String text, MineOptions.Builder into, Map<String, String> seen) {
        Setting<?> setting = door.find(name);
        if (setting == null) {
            return false;
        }
        String before = seen.putIfAbsent(setting.key(), name);
        if (before != null) {
            throw new OptionError(setting, text, "one value (" + (before.equals(name) ? name + " is given twice"
                    : before + " and " + name + " name the same setting") + ")");
        }
        into.parse(setting, text);
        return true;
    }

    /**
     * The options of {@code values} (name to text) over {@code base}.
     *
     * @throws OptionError for an unknown name (field {@code options}), a refused value or a setting named twice
     */
    public static MineOptions read(Door door, Map<String, String> values, MineOptions base) {
        MineOptions.Builder b = base.toBuilder();
        Map<String, String> seen = new HashMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (!add(door, e.getKey(), e.getValue(), b, seen)) {
                throw unknown(door, e.getKey(), e.getValue());
            }
        }
        return b.build();
    }

    /** The refusal of a name the door does not know: the name is the field, the door's names are expected. */
    public static OptionError unknown(Door door, String name, String value) {
        StringBuilder names = new StringBuilder();
        for (Setting<?> s : MineSettings.of(door)) {
            names.append(names.isEmpty() ? "" : ", ").append(door.name(s));
        }
        return new OptionError(name, value, "one of the mining options " + names);
    }
}
