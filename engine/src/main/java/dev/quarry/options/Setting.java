package dev.quarry.options;

import java.math.BigDecimal;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One setting of a mining request, declared once: its key (snake case, as sentence-transformers names it),
 * its kind, default, the value it takes under {@code no_defences}, what it accepts, what it means, an example,
 * and the doors it applies to. Reading a value from text ({@link #parse}) and checking a typed value
 * ({@link #require}) happen here and nowhere else, so every door refuses the same values the same way.
 *
 * @param <T> the value's Java type: Integer, Long, Double (NaN: off), Boolean or String (a choice)
 */
public final class Setting<T> {
    /** What kind of value a setting holds. */
    public enum Kind {
        /** An int. */
        INTEGER,
        /** A long. */
        LONG,
        /** A finite double; NaN means off where the setting can be switched off. */
        NUMBER,
        /** A boolean: a switch on the command line. */
        SWITCH,
        /** One word of a fixed list. */
        CHOICE
    }

    private final String key;
    private final Kind kind;
    private final Class<T> type;
    private final T defaultValue;
    private final T plainValue;
    private final boolean offable;
    private final Predicate<T> valid;
    private final String expected;
    private final List<String> choices;
    private final Set<Door> doors;
    private final String meaning;
    private final String example;

    private Setting(Builder<T> b) {
        this.key = b.key;
        this.kind = b.kind;
        this.type = b.type;
        this.defaultValue = b.defaultValue;
        this.plainValue = b.plainValue;
        this.offable = b.offable;
        this.valid = b.valid;
        this.expected = b.expected;
        this.choices = b.choices;
        this.doors = Set.copyOf(b.doors);
        this.meaning = b.meaning;
        this.example = b.example;
    }

    /** The canonical name, in snake case ({@code num_negatives}). */
    public String key() {
        return key;
    }

    public Kind kind() {
        return kind;
    }

    public Class<T> type() {
        return type;
    }

    /** The default, or null when there is none (the engine then decides, e.g. nprobe from nlist). */
    public T defaultValue() {
        return defaultValue;
    }

    /** The value under {@code no_defences} when not given (sentence-transformers' plain shape), or null. */
    public T plainValue() {
        return plainValue;
    }

    /** Whether the setting can be switched off ({@code off}, held as NaN). */
    public boolean offable() {
        return offable;
    }

    /** What the setting accepts, in words ({@code >= 1}, {@code 0 <= m < 1}). */
    public String expected() {
        return expected;
    }

    /** The words a choice accepts (empty for other kinds). */
    public List<String> choices() {
        return choices;
    }

    /** The doors this setting applies to. */
    public Set<Door> doors() {
        return doors;
    }

    public boolean appliesTo(Door door) {
        return doors.contains(door);
    }

    /** What the setting does, in a sentence. */
    public String meaning() {
        return meaning;
    }

    /** A typical value, as text. */
    public String example() {
        return example;
    }

    /** The default as a user types it ({@code off} for a setting off by default, null without one). */
    public String defaultText() {
        return defaultValue == null ? null : text(defaultValue);
    }

    /** {@code value} as a user types it (NaN is {@code off}). */
    public String text(Object value) {
        if (value instanceof Double d && d.isNaN()) {
            return "off";
        }
        return String.valueOf(value);
    }

    /**
     * The value of {@code text}, checked.
     *
     * @throws OptionError naming this setting, the text and what was expected
     */
    public T parse(String text) {
        if (text == null) {
            throw new OptionError(this, "null", describeKind());
        }
        String t = text.strip();
        Object value;
        switch (kind) {
            case INTEGER -> value = (int) integral(text, t, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case LONG -> value = integral(text, t, Long.MIN_VALUE, Long.MAX_VALUE);
            case NUMBER -> {
                if (offable && t.toLowerCase(Locale.ROOT).equals("off")) {
                    value = Double.NaN;
                } else {
                    double d;
                    try {
                        d = Double.parseDouble(t);
                    } catch (NumberFormatException e) {
                        throw new OptionError(this, text, describeKind());
                    }
                    if (!Double.isFinite(d)) {
                        throw new OptionError(this, text, describeKind());
                    }
                    value = d;
                }
            }
            case SWITCH -> {
                value = switch (t.toLowerCase(Locale.ROOT)) {
                    case "true", "" -> Boolean.TRUE;
                    case "false" -> Boolean.FALSE;
                    default -> throw new OptionError(this, text, "true or false");
                };
            }
            case CHOICE -> {
                String word = t.toLowerCase(Locale.ROOT);
                if (!choices.contains(word)) {
                    throw new OptionError(this, text, expected);
                }
                value = word;
            }
            default -> throw new AssertionError(kind);
        }
        try {
            return require(type.cast(value));
        } catch (OptionError e) {
            throw new OptionError(this, text, e.expected()); // the value as the user wrote it
        }
    }

    /**
     * The integer {@code t} writes, in any notation that writes one exactly ({@code 100000000}, {@code 1e8},
     * {@code 100.0}: JSON encoders write large integers as {@code 1e+08}), so that such a value meets this setting's
     * own bound (range_max's corpus size) rather than a complaint about its spelling. Nothing is sized by the text's
     * exponent: a value with more digits than a long holds is refused before it is built.
     */
    private long integral(String text, String t, long min, long max) {
        BigDecimal d;
        try {
            d = new BigDecimal(t).stripTrailingZeros();
        } catch (NumberFormatException e) {
            throw new OptionError(this, text, "an integer");
        }
        if (d.signum() != 0 && d.scale() > 0) {
            throw new OptionError(this, text, "an integer");
        }
        String range = "an integer from " + min + " to " + max;
        if (d.precision() - d.scale() > 19) {
            throw new OptionError(this, text, range);
        }
        long v = d.longValue();
        if (d.compareTo(BigDecimal.valueOf(v)) != 0 || v < min || v > max) {
            throw new OptionError(this, text, range);
        }
        return v;
    }

    /**
     * {@code value} when this setting accepts it.
     *
     * @throws OptionError naming this setting, the value and what was expected
     */
    public T require(T value) {
        if (value == null) {
            throw new OptionError(this, "null", describeKind());
        }
        if (value instanceof Double d && d.isNaN()) {
            if (!offable) {
                throw new OptionError(this, "NaN", "a finite number");
            }
            return value;
        }
        if (value instanceof Double d && !Double.isFinite(d)) {
            throw new OptionError(this, value, describeKind());
        }
        if (!valid.test(value)) {
            throw new OptionError(this, text(value), expected);
        }
        return value;
    }

    /** The kind in words, as a refusal of unreadable text says it. */
    public String describeKind() {
        return switch (kind) {
            case INTEGER, LONG -> "an integer";
            case NUMBER -> offable ? "a finite number (or off)" : "a finite number";
            case SWITCH -> "true or false";
            case CHOICE -> expected;
        };
    }

    @Override
    public String toString() {
        return key;
    }

    static Builder<Integer> integer(String key) {
        return new Builder<>(key, Kind.INTEGER, Integer.class);
    }

    static Builder<Long> longInteger(String key) {
        return new Builder<>(key, Kind.LONG, Long.class);
    }

    static Builder<Double> number(String key) {
        return new Builder<>(key, Kind.NUMBER, Double.class);
    }

    static Builder<Boolean> onOff(String key) {
        return new Builder<>(key, Kind.SWITCH, Boolean.class).defaultValue(false).valid(v -> true, "true or false");
    }

    static Builder<String> choice(String key, List<String> words) {
        Builder<String> b = new Builder<>(key, Kind.CHOICE, String.class);
        b.choices = List.copyOf(words);
        String last = words.getLast();
        String list = words.size() == 1 ? last : String.join(", ", words.subList(0, words.size() - 1)) + " or " + last;
        return b.valid(words::contains, list);
    }

    /** Declares a setting (used by {@link MineSettings} only). */
    static final class Builder<T> {
        private final String key;
        private final Kind kind;
        private final Class<T> type;
        private T defaultValue;
        private T plainValue;
        private boolean offable;
        private Predicate<T> valid = v -> true;
        private String expected = "";
        private List<String> choices = List.of();
        private Set<Door> doors = EnumSet.allOf(Door.class);
        private String meaning = "";
        private String example = "";

        private Builder(String key, Kind kind, Class<T> type) {
            this.key = key;
            this.kind = kind;
            this.type = type;
        }

        Builder<T> defaultValue(T v) {
            defaultValue = v;
            return this;
        }

        Builder<T> plain(T v) {
            plainValue = v;
            return this;
        }

        Builder<T> offable() {
            offable = true;
            return this;
        }

        Builder<T> valid(Predicate<T> test, String words) {
            valid = test;
            expected = words;
            return this;
        }

        Builder<T> doors(Door first, Door... more) {
            doors = EnumSet.of(first, more);
            return this;
        }

        Builder<T> meaning(String text) {
            meaning = text;
            return this;
        }

        Builder<T> example(String text) {
            example = text;
            return this;
        }

        Setting<T> build() {
            if (defaultValue instanceof Double d && d.isNaN() && !offable) {
                throw new IllegalStateException(key + ": off by default but cannot be off");
            }
            return new Setting<>(this);
        }
    }
}
