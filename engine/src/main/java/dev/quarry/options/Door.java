package dev.quarry.options;

import java.util.List;
import java.util.Locale;

/**
 * A way into the engine, and how it spells a setting: the command line {@code --num-negatives}, the HTTP
 * service and the Python client {@code num_negatives}, Spark's options {@code numNegatives}. A door only
 * translates names; values, defaults and refusals are the schema's.
 */
public enum Door {
    /** {@code quarry mine}, {@code quarry spark-mine}: kebab-case flags. */
    CLI,
    /** {@code quarry serve}: JSON fields and query parameters in snake case (kebab case accepted as well). */
    HTTP,
    /** The Python client's keyword arguments. */
    PYTHON,
    /** Spark options ({@code SparkMiner}'s option map, a Dataset reader's {@code .option(...)}): camel case. */
    SPARK;

    /** The setting's name at this door. */
    public String name(Setting<?> setting) {
        String key = setting.key();
        return switch (this) {
            case CLI -> "--" + key.replace('_', '-');
            case HTTP, PYTHON -> key;
            case SPARK -> camel(key);
        };
    }

    /**
     * Every name this door accepts for the setting, its own first: the service also takes the command
     * line's spelling without dashes ({@code num-negatives}), as it did before the schema.
     */
    public List<String> accepted(Setting<?> setting) {
        return this == HTTP ? List.of(setting.key(), setting.key().replace('_', '-')) : List.of(name(setting));
    }

    /** The setting whose name at this door is {@code name}, or null. */
    public Setting<?> find(String name) {
        return Names.BY_DOOR.get(this).get(name);
    }

    /** Every door's names, computed once (a request looks each of its names up here). */
    private static final class Names {
        static final java.util.Map<Door, java.util.Map<String, Setting<?>>> BY_DOOR = byDoor();

        private static java.util.Map<Door, java.util.Map<String, Setting<?>>> byDoor() {
            java.util.Map<Door, java.util.Map<String, Setting<?>>> out = new java.util.EnumMap<>(Door.class);
            for (Door door : values()) {
                java.util.Map<String, Setting<?>> names = new java.util.HashMap<>();
                for (Setting<?> s : MineSettings.ALL) {
                    if (s.appliesTo(door)) {
                        door.accepted(s).forEach(n -> names.put(n, s));
                    }
                }
                out.put(door, java.util.Map.copyOf(names));
            }
            return out;
        }
    }

    /**
     * {@code text} with every {@code {key}} reference to a setting spelled as this door spells it (an
     * error's "expected" may name other settings).
     */
    public String spell(String text) {
        if (text.indexOf('{') < 0) {
            return text;
        }
        String out = text;
        for (Setting<?> s : MineSettings.ALL) {
            out = out.replace("{" + s.key() + "}", name(s));
        }
        return out;
    }

    /** {@code field=value, expected ...} in this door's names. */
    public String render(OptionError e) {
        Setting<?> s = MineSettings.byKey(e.field());
        return (s == null ? e.field() : name(s)) + "=" + e.value() + ", expected " + spell(e.expected());
    }

    /**
     * {@code field=value, expected ...} in this door's names: a schema setting as {@link #render(OptionError)}
     * names it, a {@link CommandSetting} by its flag on the command line and by its engine name elsewhere, any
     * other field as the engine names it.
     */
    public String render(dev.quarry.QuarryUsageException e) {
        if (e instanceof OptionError option) {
            return render(option);
        }
        String field = this == CLI && e instanceof CommandSettingError c ? c.setting().flag() : e.field();
        return field + "=" + e.value() + ", expected " + e.expected();
    }

    private static String camel(String key) {
        StringBuilder out = new StringBuilder(key.length());
        boolean up = false;
        for (char c : key.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                out.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return out.toString();
    }

    /** The name as the JSON export writes it ({@code cli}, {@code http}, ...). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
