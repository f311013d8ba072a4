package dev.quarry.serve;

/** A client's value as an error message may quote it: control characters escaped, cut at 120 characters. */
final class Printable {
    private static final int MAX = 120;

    private Printable() {
    }

    static String of(String value) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < value.length() && sb.length() < MAX; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return value.length() > MAX ? sb + "... (" + value.length() + " chars)" : sb.toString();
    }
}
