package dev.quarry.options;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The schema as JSON, for tools outside the JVM (the Python client's keyword names, an options file):
 * every setting with its key, kind, default, what it accepts, meaning, example and its name at each door
 * that takes it. {@code quarry options --json} prints it; a test keeps the Python client's copy equal.
 */
public final class SchemaJson {
    private SchemaJson() {
    }

    /** The export, pretty-printed, ending with a newline. */
    public static String write() {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            g.writeStartObject();
            g.writeStringField("schema", "quarry mine options");
            g.writeNumberField("version", 1);
            g.writeArrayFieldStart("settings");
            for (Setting<?> s : MineSettings.ALL) {
                g.writeStartObject();
                g.writeStringField("key", s.key());
                g.writeStringField("kind", s.kind().name().toLowerCase(java.util.Locale.ROOT));
                if (s.defaultText() == null) {
                    g.writeNullField("default");
                } else {
                    g.writeStringField("default", s.defaultText());
                }
                g.writeBooleanField("offable", s.offable());
                if (!s.choices().isEmpty()) {
                    g.writeArrayFieldStart("choices");
                    for (String c : s.choices()) {
                        g.writeString(c);
                    }
                    g.writeEndArray();
                }
                g.writeStringField("expected", s.kind() == Setting.Kind.SWITCH ? "true or false" : s.expected()
                        .isEmpty() ? s.describeKind() : s.expected());
                g.writeStringField("meaning", s.meaning());
                g.writeStringField("example", s.example());
                g.writeObjectFieldStart("names");
                for (Door d : Door.values()) {
                    if (s.appliesTo(d)) {
                        g.writeStringField(d.id(), d.name(s));
                    }
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString().replace(" : ", ": ") + "\n";
    }
}
