package dev.quarry.serve;

/**
 * A request the service refuses with 400: the field (as the client names it), the value it sent,
 * and what would have been accepted. The message follows Quarry's errors: {@code field=value,
 * expected ...}.
 */
final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String value;
    private final String expected;

    BadRequest(String field, Object value, String expected) {
        super(field + "=" + Printable.of(String.valueOf(value)) + ", expected " + expected);
        this.field = field;
        this.value = Printable.of(String.valueOf(value));
        this.expected = expected;
    }

    /** A setting refused by the request schema, named as {@code door} names it. */
    BadRequest(dev.quarry.options.Door door, dev.quarry.options.OptionError e) {
        this(fieldName(door, e.field()), e.value(), door.spell(e.expected()));
    }

    private static String fieldName(dev.quarry.options.Door door, String key) {
        dev.quarry.options.Setting<?> s = dev.quarry.options.MineSettings.byKey(key);
        return s == null ? key : door.name(s);
    }

    String field() {
        return field;
    }

    String value() {
        return value;
    }

    String expected() {
        return expected;
    }
}
