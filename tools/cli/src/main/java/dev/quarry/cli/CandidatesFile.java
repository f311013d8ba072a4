package dev.quarry.cli;

import dev.quarry.QuarryDataException;
import dev.quarry.files.UserFiles;
import dev.quarry.options.Door;
import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import dev.quarry.options.OptionText;
import dev.quarry.options.Setting;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code quarry tune}'s candidate configurations: one set of {@code quarry mine} options a line, as a user types
 * them ({@code --range-max 50 --sampling-strategy random}, {@code --no-leave-out-short}), {@code #} starting a
 * comment. Each line is read by the request schema through the command line's names ({@link Door#CLI},
 * {@link OptionText}), so a candidate takes exactly what {@code quarry mine} takes and is refused in the same
 * words; a refusal is the file's data (exit 3), named with its line.
 */
final class CandidatesFile {
    private CandidatesFile() {
    }

    /**
     * One line's configuration.
     *
     * @param number the line's number (1-based)
     * @param text the options as written, comment removed
     * @param options what they ask for
     */
    record Line(long number, String text, MineOptions options) {
    }

    /** Every line holding options, in order. */
    static List<Line> read(Path file) {
        UserFiles.requireInput(file);
        List<String> raw;
        try {
            raw = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new QuarryDataException(file, "encoding", "invalid UTF-8", "UTF-8 text", e);
        } catch (IOException e) {
            throw QuarryDataException.unreadable(file, "file", e, "a readable candidates file");
        }
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String text = raw.get(i);
            int hash = text.indexOf('#');
            String body = (hash < 0 ? text : text.substring(0, hash)).strip();
            if (!body.isEmpty()) {
                lines.add(new Line(i + 1, body, options(file, i + 1, body)));
            }
        }
        return lines;
    }

    /**
     * The options of one line of {@code quarry mine} flags ({@code file} and {@code number} name it in errors).
     *
     * @throws QuarryDataException for a token that is not an option, an option {@code quarry mine}'s schema does
     *                             not have, a value it refuses, or settings that do not go together
     */
    static MineOptions options(Path file, long number, String body) {
        MineOptions.Builder b = MineOptions.builder();
        Map<String, String> seen = new HashMap<>();
        String[] tokens = body.strip().split("\\s+");
        for (int i = 0; i < tokens.length; i++) {
            String token = tokens[i];
            if (!token.startsWith("--") || token.length() == 2) {
                throw new QuarryDataException(file, "line " + number, token,
                        "quarry mine options: --name value, --name=value or --switch, # for a comment");
            }
            String name = token;
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Setting<?> setting = Door.CLI.find(name);
            Setting<?> negated = setting == null ? switchedOffBy(name) : null;
            if (setting == null && negated == null) {
                throw new QuarryDataException(file, "line " + number + " " + name, value == null ? "" : value,
                        OptionText.unknown(Door.CLI, name, "").expected());
            }
            boolean onOff = (negated != null ? negated : setting).kind() == Setting.Kind.SWITCH;
            if (value == null) {
                value = onOff && !(i + 1 < tokens.length && isBoolean(tokens[i + 1])) ? "true"
                        : i + 1 < tokens.length && !tokens[i + 1].startsWith("--") ? tokens[++i] : null;
                if (value == null) {
                    throw new QuarryDataException(file, "line " + number + " " + name, "", "a value after " + name);
                }
            }
            try {
                if (negated != null) { // --no-leave-out-short: the switch, off
                    Setting<?> on = negated;
                    boolean off = on.parse(value).equals(Boolean.TRUE);
                    OptionText.add(Door.CLI, Door.CLI.name(on), String.valueOf(!off), b, seen);
                } else {
                    OptionText.add(Door.CLI, name, value, b, seen);
                }
            } catch (OptionError e) {
                throw new QuarryDataException(file, "line " + number + " " + name, value, Door.CLI.spell(e.expected()));
            }
        }
        try {
            return b.build();
        } catch (OptionError e) {
            Setting<?> s = MineSettings.byKey(e.field());
            String flag = s == null ? e.field() : Door.CLI.name(s);
            throw new QuarryDataException(file, "line " + number + " " + flag, e.value(), Door.CLI.spell(e.expected()));
        }
    }

    private static boolean isBoolean(String token) {
        return token.equalsIgnoreCase("true") || token.equalsIgnoreCase("false");
    }

    /** The switch on by default that {@code name} ({@code --no-NAME}) turns off, or null. */
    private static Setting<?> switchedOffBy(String name) {
        for (Setting<?> s : MineSettings.of(Door.CLI)) {
            if (s.kind() == Setting.Kind.SWITCH && Boolean.TRUE.equals(s.defaultValue())
                    && SchemaOptions.negated(s).equals(name)) {
                return s;
            }
        }
        return null;
    }
}
