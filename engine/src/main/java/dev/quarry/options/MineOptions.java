package dev.quarry.options;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * One mining request's settings: immutable, built with {@link #builder()}, checked when built (each value
 * by its {@link Setting}, the settings together by {@link MineSettings}), and carried whole from the door to
 * the kernel (the engine's {@code MiningConfig}, {@code OutputOptions} and search parameters are views of it).
 * Only the values given are held; {@link #get} answers the default for the rest, or the plain value under
 * {@code no_defences}. Serializable, so Spark ships it to executors as it is. Two options are equal when every
 * setting has the same value in force.
 */
public final class MineOptions implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final MineOptions DEFAULTS = new Builder().build();

    /** Values given, by key (Integer, Long, Double, Boolean, String). */
    private final TreeMap<String, Object> given;

    private MineOptions(TreeMap<String, Object> given) {
        this.given = given;
    }

    /** Every setting at its default. */
    public static MineOptions defaults() {
        return DEFAULTS;
    }

    /** An empty builder: every setting at its default until set. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.given.putAll(given);
        return b;
    }

    /** The value in force: given, else the plain value under {@code no_defences}, else the default (may be null). */
    public <T> T get(Setting<T> setting) {
        Object v = given.get(setting.key());
        if (v != null) {
            return setting.type().cast(v);
        }
        if (setting.plainValue() != null && setting != MineSettings.NO_DEFENCES
                && Boolean.TRUE.equals(given.get(MineSettings.NO_DEFENCES.key()))) {
            return setting.plainValue();
        }
        return setting.defaultValue();
    }

    /** Whether {@code setting} was given (rather than left at its default). */
    public boolean isGiven(Setting<?> setting) {
        return given.containsKey(setting.key());
    }

    /** The values given, by key, as a user types them (for logs and the summary). */
    public Map<String, String> givenText() {
        Map<String, String> out = new TreeMap<>();
        given.forEach((k, v) -> out.put(k, MineSettings.byKey(k).text(v)));
        return out;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof MineOptions other)) {
            return false;
        }
        for (Setting<?> s : MineSettings.ALL) {
            if (!Objects.equals(get(s), other.get(s))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (Setting<?> s : MineSettings.ALL) {
            h = 31 * h + Objects.hashCode(get(s));
        }
        return h;
    }

    /** Every setting in force, {@code key=value}. */
    @Override
    public String toString() {
        StringJoiner out = new StringJoiner(" ");
        for (Setting<?> s : MineSettings.ALL) {
            Object v = get(s);
            out.add(s.key() + "=" + (v == null ? "default" : s.text(v)));
        }
        return out.toString();
    }

    /** Builds {@link MineOptions}; each value is checked when set, the settings together when built. */
    public static final class Builder {
        private final TreeMap<String, Object> given = new TreeMap<>();

        private Builder() {
        }

        /**
         * Sets a value (null: back to the default).
         *
         * @throws OptionError when the setting does not take it
         */
        public <T> Builder set(Setting<T> setting, T value) {
            if (value == null) {
                given.remove(setting.key());
            } else {
                given.put(setting.key(), setting.require(value));
            }
            return this;
        }

        /**
         * Sets a value from text as a user typed it ({@code 8}, {@code off}, {@code random}, {@code true}).
         *
         * @throws OptionError when the text is not a value the setting takes
         */
        public <T> Builder parse(Setting<T> setting, String text) {
            given.put(setting.key(), setting.parse(text));
            return this;
        }

        /** Whether {@code setting} was set. */
        public boolean isSet(Setting<?> setting) {
            return given.containsKey(setting.key());
        }

        /**
         * The options.
         *
         * @throws OptionError when settings do not go together (the rank window, the score window, outputs)
         */
        public MineOptions build() {
            MineOptions options = new MineOptions(new TreeMap<>(given));
            MineSettings.checkTogether(options);
            return options;
        }
    }
}
