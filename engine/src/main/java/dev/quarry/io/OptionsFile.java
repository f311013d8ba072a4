package dev.quarry.io;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.quarry.QuarryDataException;
import dev.quarry.files.AtomicOutput;
import dev.quarry.files.UserFiles;
import dev.quarry.options.Door;
import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import dev.quarry.options.Setting;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A mining request's settings kept in a file, by the request schema's keys, so that every door reads the same
 * file: {@code quarry tune} writes its best configuration so, {@code quarry mine --options-file} reads it, and
 * the server and the Python client ({@code quarry_client.read_options}) read the same JSON.
 *
 * <pre>{@code
 * {
 *   "format": "quarry-options",
 *   "version": 1,
 *   "source": "quarry tune: the best of 8 mining configurations ...",
 *   "options": {"num_negatives": 3, "range_min": 10, "relative_margin": 0.05, "min_score": "off", ...}
 * }
 * }</pre>
 *
 * <p>{@code options} is required; its keys are the schema's ({@code num_negatives}), its values JSON numbers,
 * booleans or strings ({@code "off"} for a filter switched off), each read and checked by its
 * {@link Setting}, then together. {@code format} and {@code version}, when present, must be these;
 * {@code source} and {@code warning} are free text for people. Anything else is refused, so a misspelt key
 * never passes for a setting at its default. Every refusal names the file, the key and what was expected.
 */
public final class OptionsFile {
    /** The {@code format} field's value. */
    public static final String FORMAT = "quarry-options";
    /** The format's version. */
    public static final int VERSION = 1;
    /** Larger files are refused before they are read (a file of settings is a few hundred bytes). */
    static final long MAX_BYTES = 1 << 20;

    private static final JsonFactory JSON = new JsonFactory();

    private OptionsFile() {
    }

    /**
     * The options of {@code file}, as {@code door} takes them.
     *
     * @throws QuarryDataException for a file that cannot be read, is not such a JSON object, or holds a key or a
     *                             value the schema refuses at that door (naming the key and what was expected)
     */
    public static MineOptions read(Path file, Door door) {
        UserFiles.requireInput(file);
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new QuarryDataException(file, "size", Files.size(file) + " bytes", "an options file of at most "
                        + MAX_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw QuarryDataException.unreadable(file, "file", e, "a readable options file");
        }
        return parse(file, bytes, door);
    }

    /** The options of {@code bytes} (the text of {@code file}), as {@code door} takes them. */
    static MineOptions parse(Path file, byte[] bytes, Door door) {
        MineOptions.Builder options = MineOptions.builder();
        boolean sawOptions = false;
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new QuarryDataException(file, "file", "not a JSON object", "a JSON object {\"format\": \""
                        + FORMAT + "\", \"options\": {...}}");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "format" -> {
                        if (value != JsonToken.VALUE_STRING || !p.getText().equals(FORMAT)) {
                            throw new QuarryDataException(file, "format", p.getText(), "\"" + FORMAT + "\"");
                        }
                    }
                    case "version" -> {
                        if (value != JsonToken.VALUE_NUMBER_INT || p.getLongValue() != VERSION) {
                            throw new QuarryDataException(file, "version", p.getText(), String.valueOf(VERSION));
                        }
                    }
                    case "source", "warning" -> {
                        if (value != JsonToken.VALUE_STRING) {
                            throw new QuarryDataException(file, field, p.getText(), "text");
                        }
                    }
                    case "options" -> {
                        if (value != JsonToken.START_OBJECT) {
                            throw new QuarryDataException(file, "options", p.getText(), "an object of settings by"
                                    + " key ({\"num_negatives\": 8, ...})");
                        }
                        readSettings(file, p, door, options);
                        sawOptions = true;
                    }
                    default -> throw new QuarryDataException(file, field, p.getText(), "format, version, source,"
                            + " warning or options");
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new QuarryDataException(file, "file", "more after the object", "one JSON object");
            }
        } catch (JsonProcessingException e) {
            throw QuarryDataException.unreadable(file, "file", e, "a JSON object {\"format\": \"" + FORMAT
                    + "\", \"options\": {...}}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!sawOptions) {
            throw new QuarryDataException(file, "options", "missing", "an object of settings by key"
                    + " ({\"num_negatives\": 8, ...})");
        }
        try {
            return options.build();
        } catch (OptionError e) {
            throw new QuarryDataException(file, "options." + e.field(), e.value(), door.spell(e.expected())
                    .replace("{", "").replace("}", ""));
        }
    }

    private static void readSettings(Path file, JsonParser p, Door door, MineOptions.Builder into) throws IOException {
        Map<String, String> seen = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken value = p.nextToken();
            String field = "options." + key;
            Setting<?> setting = MineSettings.byKey(key);
            if (setting == null || !setting.appliesTo(door)) {
                String why = setting == null ? "a setting of the request schema (quarry options lists them)"
                        : "a setting " + door.id() + " takes (quarry options lists them by door)";
                throw new QuarryDataException(file, field, text(p, value), why);
            }
            if (seen.put(key, key) != null) {
                throw new QuarryDataException(file, field, text(p, value), "each setting once");
            }
            if (value != JsonToken.VALUE_NUMBER_INT && value != JsonToken.VALUE_NUMBER_FLOAT
                    && value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_TRUE
                    && value != JsonToken.VALUE_FALSE) {
                throw new QuarryDataException(file, field, text(p, value), setting.describeKind());
            }
            try {
                into.parse(setting, p.getText());
            } catch (OptionError e) {
                throw new QuarryDataException(file, field, p.getText(), door.spell(e.expected())
                        .replace("{", "").replace("}", ""));
            }
        }
    }

    private static String text(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
            p.skipChildren();
            return value == JsonToken.START_OBJECT ? "an object" : "an array";
        }
        return value == JsonToken.VALUE_NULL ? "null" : p.getText();
    }

    /**
     * The file holding every setting of {@code options} in force that a mining call takes at every door (the
     * output settings are the command line's own; nprobe and the probe margin belong to an index, and
     * {@code no_defences} is already in the values), so the file means the same whatever the defaults become.
     *
     * @param source where the settings come from, for people (null: none)
     * @param warning a warning to keep with them (null: none)
     */
    public static byte[] encode(MineOptions options, String source, String warning) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("format", FORMAT);
            g.writeNumberField("version", VERSION);
            if (source != null) {
                g.writeStringField("source", source);
            }
            if (warning != null) {
                g.writeStringField("warning", warning);
            }
            g.writeObjectFieldStart("options");
            for (Setting<?> s : MineSettings.of(Door.HTTP)) {
                Object value = options.get(s);
                if (value == null || s == MineSettings.NPROBE || s == MineSettings.PROBE_MARGIN
                        || s == MineSettings.NO_DEFENCES) {
                    continue;
                }
                g.writeFieldName(s.key());
                switch (value) {
                    case Boolean b -> g.writeBoolean(b);
                    case Integer i -> g.writeNumber(i);
                    case Long l -> g.writeNumber(l);
                    case Double d when d.isNaN() -> g.writeString("off");
                    case Double d -> g.writeNumber(d);
                    default -> g.writeString(s.text(value));
                }
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bytes.write('\n');
        return bytes.toByteArray();
    }

    /** Writes {@link #encode} to {@code file}, whole or not at all (a temp file renamed). */
    public static void write(Path file, MineOptions options, String source, String warning) {
        byte[] bytes = encode(options, source, warning);
        try (AtomicOutput out = AtomicOutput.create(file)) {
            out.writeFully(bytes);
            out.commit();
        }
    }
}
