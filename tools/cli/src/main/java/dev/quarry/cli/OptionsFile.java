package dev.quarry.cli;

import dev.quarry.QuarryDataException;
import dev.quarry.files.UserFiles;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mining options kept in a file: {@code quarry mine}'s own flags ({@code --range-max 50 --sampling-strategy
 * random}), any number per line, {@code #} starting a comment. {@code quarry tune} writes its best
 * configuration so and reads its candidates so (one configuration a line); {@code quarry mine
 * --options-file} reads one. The values are checked by {@link MiningFlags}, the parser every door uses.
 */
final class OptionsFile {
    private OptionsFile() {
    }

    /** One line's options: name (without dashes) to value ({@code true} for a switch), and the line's number. */
    record Line(long number, String text, Map<String, String> options) {
    }

    /** The options of one line of text (the default candidates of quarry tune, written in the code). */
    static Map<String, String> options(String text) {
        return text.isBlank() ? Map.of() : pairs(Path.of("options"), 1, text.strip());
    }

    /** Every line holding options, in order. */
    static List<Line> lines(Path file) {
        UserFiles.requireInput(file);
        List<String> raw;
        try {
            raw = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new QuarryDataException(file, "encoding", "invalid UTF-8", "UTF-8 text", e);
        } catch (IOException e) {
            throw QuarryDataException.unreadable(file, "file", e, "a readable options file");
        }
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String text = raw.get(i);
            int hash = text.indexOf('#');
            String body = (hash < 0 ? text : text.substring(0, hash)).strip();
            if (!body.isEmpty()) {
                lines.add(new Line(i + 1, body, pairs(file, i + 1, body)));
            }
        }
        return lines;
    }

    /**
     * Every option of the file, all lines together, checked: an option given twice, or a value {@link MiningFlags}
     * refuses alone or beside the file's other options, is the file's data, named with its line.
     */
    static Map<String, String> read(Path file) {
        Map<String, String> all = new LinkedHashMap<>();
        Map<String, Long> lineOf = new LinkedHashMap<>();
        for (Line line : lines(file)) {
            parse(file, line);
            for (Map.Entry<String, String> e : line.options().entrySet()) {
                if (all.put(e.getKey(), e.getValue()) != null) {
                    throw new QuarryDataException(file, "line " + line.number() + " --" + e.getKey(), e.getValue(),
                            "each option once in the file");
                }
                lineOf.put(e.getKey(), line.number());
            }
        }
        try {
            MiningFlags.parse(all);
        } catch (MiningFlags.Refused e) {
            Long number = lineOf.get(e.field());
            throw number != null
                    ? new QuarryDataException(file, "line " + number + " --" + e.field(), e.value(), e.expected())
                    : new QuarryDataException(file, "options", String.join(" ", all.keySet()), e.expected());
        }
        return all;
    }

    /**
     * Checks one configuration of {@code file} on its own: a value {@link MiningFlags} refuses is the file's
     * data, named with its line.
     */
    static MiningFlags.Parsed parse(Path file, Line line) {
        try {
            return MiningFlags.parse(line.options());
        } catch (MiningFlags.Refused e) {
            // A refusal about a setting the line leaves at its default (range-min against the line's range-max)
            // names the line.
            throw line.options().containsKey(e.field())
                    ? new QuarryDataException(file, "line " + line.number() + " --" + e.field(), e.value(), e.expected())
                    : new QuarryDataException(file, "line " + line.number(), line.text(), e.expected());
        }
    }

    /** {@code --name value}, {@code --name=value} and {@code --switch} tokens to name/value pairs. */
    private static Map<String, String> pairs(Path file, long number, String body) {
        String[] tokens = body.split("\\s+");
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < tokens.length; i++) {
            String token = tokens[i];
            if (!token.startsWith("--") || token.length() == 2) {
                throw new QuarryDataException(file, "line " + number, token,
                        "quarry mine options: --name value, --name=value or --switch, # for a comment");
            }
            String name = token.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < tokens.length && !tokens[i + 1].startsWith("--")) {
                value = tokens[++i];
            } else {
                value = "true";
            }
            if (options.put(name, value) != null) {
                throw new QuarryDataException(file, "line " + number + " --" + name, value, "each option once");
            }
        }
        return options;
    }
}
