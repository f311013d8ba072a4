package dev.quarry.io;

import java.util.Locale;

/**
 * What a reader of a text file does with bytes that are not UTF-8. Replacing them silently would embed,
 * and name rows by, characters that are not in the user's file, so turning texts into vectors refuses them
 * unless the user asks for the replacement.
 */
public enum InvalidUtf8 {
    /** Refuse the file, naming the line and the byte offset of the first such byte. */
    REFUSE,
    /** Read each malformed sequence as U+FFFD, the Unicode replacement character. */
    REPLACE;

    /** The name users type. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The policy named {@code name} as users type it, or null when it names none. */
    public static InvalidUtf8 parse(String name) {
        for (InvalidUtf8 v : values()) {
            if (v.cliName().equals(name)) {
                return v;
            }
        }
        return null;
    }
}
