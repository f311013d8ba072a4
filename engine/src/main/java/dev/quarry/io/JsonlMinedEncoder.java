package dev.quarry.io;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.quarry.mining.MinedAnchor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes mined anchors as JSON lines in one of the JSONL {@link OutputFormat}s ({@link MinedLines} says
 * what a line holds), through Jackson's streaming generator (escaping and number formatting are Jackson's,
 * not string concatenation). Not thread-safe: one per worker.
 */
public final class JsonlMinedEncoder implements MinedEncoder {
    private static final JsonFactory JSON = new JsonFactory();

    private final MinedLines lines;
    private final TextLookup texts;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);

    public JsonlMinedEncoder(OutputOptions options, TextLookup texts) {
        this.lines = new MinedLines(options, texts);
        this.texts = texts;
    }

    @Override
    public byte[][] encode(MinedAnchor[] block) {
        bytes.reset();
        try (JsonGenerator g = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
            g.setRootValueSeparator(null);
            JsonLines sink = new JsonLines(g);
            for (MinedAnchor a : block) {
                lines.write(a, texts.anchor(a.anchor()), sink);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new byte[][] {bytes.toByteArray()};
    }

    /** Lines as JSON objects, one per line. */
    private record JsonLines(JsonGenerator g) implements MinedLineSink {
        @Override
        public void begin() {
            run(g::writeStartObject);
        }

        @Override
        public void text(String field, String value) {
            run(() -> g.writeStringField(field, value));
        }

        @Override
        public void integer(String field, int value) {
            run(() -> g.writeNumberField(field, value));
        }

        @Override
        public void real(String field, double value) {
            run(() -> g.writeNumberField(field, value));
        }

        @Override
        public void score(String field, float value) {
            run(() -> {
                g.writeFieldName(field);
                writeScore(value);
            });
        }

        @Override
        public void texts(String field, String[] values) {
            run(() -> {
                g.writeArrayFieldStart(field);
                for (String v : values) {
                    g.writeString(v);
                }
                g.writeEndArray();
            });
        }

        @Override
        public void integers(String field, int[] values) {
            run(() -> {
                g.writeFieldName(field);
                g.writeArray(values, 0, values.length);
            });
        }

        @Override
        public void scores(String field, float[] values) {
            run(() -> {
                g.writeArrayFieldStart(field);
                for (float v : values) {
                    writeScore(v);
                }
                g.writeEndArray();
            });
        }

        @Override
        public void reals(String field, double[] values) {
            run(() -> {
                g.writeArrayFieldStart(field);
                for (double v : values) {
                    g.writeNumber(v);
                }
                g.writeEndArray();
            });
        }

        @Override
        public void end() {
            run(() -> {
                g.writeEndObject();
                g.writeRaw('\n');
            });
        }

        /** A score, or null when it is unknown or broken (infinite, NaN): JSON has no such numbers. */
        private void writeScore(float score) throws IOException {
            if (Float.isFinite(score)) {
                g.writeNumber(score);
            } else {
                g.writeNull();
            }
        }

        private static void run(Write w) {
            try {
                w.write();
            } catch (IOException e) { // into a byte array: cannot happen, but Jackson declares it
                throw new UncheckedIOException(e);
            }
        }
    }

    @FunctionalInterface
    private interface Write {
        void write() throws IOException;
    }
}
