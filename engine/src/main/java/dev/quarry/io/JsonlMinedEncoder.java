package dev.quarry.io;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.quarry.mining.MinedAnchor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Writes mined anchors as JSON lines in one of the JSONL {@link OutputFormat}s, through Jackson's
 * streaming generator (escaping and number formatting are Jackson's, not string concatenation).
 * Not thread-safe: one per worker.
 */
public final class JsonlMinedEncoder implements MinedEncoder {
    private static final JsonFactory JSON = new JsonFactory();

    private final OutputOptions options;
    private final TextLookup texts;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);

    public JsonlMinedEncoder(OutputOptions options, TextLookup texts) {
        if (options.format() == OutputFormat.NPY) {
            throw new IllegalArgumentException("npy is not a JSONL format");
        }
        this.options = options;
        this.texts = texts;
    }

    @Override
    public byte[][] encode(MinedAnchor[] block) {
        bytes.reset();
        try (JsonGenerator g = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
            g.setRootValueSeparator(null);
            for (MinedAnchor a : block) {
                if (a.leftOut()) {
                    continue; // short under a policy that leaves such anchors out: no line in any format
                }
                switch (options.format()) {
                    case TRIPLET -> triplets(g, a);
                    case N_TUPLE -> tuples(g, a);
                    case LABELED_PAIR -> labeledPairs(g, a);
                    case LABELED_LIST -> labeledList(g, a);
                    case FLAG -> flag(g, a);
                    case NPY -> throw new IllegalStateException("npy");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new byte[][] {bytes.toByteArray()};
    }

    private void triplets(JsonGenerator g, MinedAnchor a) throws IOException {
        String anchor = texts.anchor(a.anchor());
        for (int p = 0; p < a.positives().length; p++) {
            String positive = texts.doc(a.positives()[p]);
            for (int n = 0; n < a.negatives().length; n++) {
                g.writeStartObject();
                g.writeStringField("anchor", anchor);
                g.writeStringField("positive", positive);
                g.writeStringField("negative", texts.doc(a.negatives()[n]));
                if (options.outputScores()) {
                    g.writeArrayFieldStart("scores");
                    writeScore(g, a.positiveScores()[p]);
                    writeScore(g, a.negativeScores()[n]);
                    g.writeEndArray();
                }
                if (options.outputRanks()) {
                    g.writeNumberField("rank", a.negativeRanks()[n]);
                }
                if (options.softLabels()) {
                    g.writeNumberField("weight", weight(a, n));
                }
                endLine(g);
            }
        }
    }

    private void tuples(JsonGenerator g, MinedAnchor a) throws IOException {
        if (a.negatives().length < options.numNegatives()) {
            return; // every n-tuple line has the same columns; the summary counts the anchors left out
        }
        String anchor = texts.anchor(a.anchor());
        for (int p = 0; p < a.positives().length; p++) {
            g.writeStartObject();
            g.writeStringField("anchor", anchor);
            g.writeStringField("positive", texts.doc(a.positives()[p]));
            for (int n = 0; n < a.negatives().length; n++) {
                g.writeStringField("negative_" + (n + 1), texts.doc(a.negatives()[n]));
            }
            if (options.outputScores()) {
                g.writeArrayFieldStart("scores");
                writeScore(g, a.positiveScores()[p]);
                for (float s : a.negativeScores()) {
                    writeScore(g, s);
                }
                g.writeEndArray();
            }
            writeRanks(g, a);
            writeWeights(g, "weights", a);
            endLine(g);
        }
    }

    private void labeledPairs(JsonGenerator g, MinedAnchor a) throws IOException {
        String anchor = texts.anchor(a.anchor());
        for (int p = 0; p < a.positives().length; p++) {
            labeledPair(g, anchor, texts.doc(a.positives()[p]), 1, a.positiveScores()[p], -1,
                    options.softLabels() ? 1.0 : Double.NaN);
        }
        for (int n = 0; n < a.negatives().length; n++) {
            labeledPair(g, anchor, texts.doc(a.negatives()[n]), 0, a.negativeScores()[n], a.negativeRanks()[n],
                    options.softLabels() ? weight(a, n) : Double.NaN);
        }
    }

    private void labeledPair(JsonGenerator g, String anchor, String text, int label, float score, int rank,
                             double weight) throws IOException {
        g.writeStartObject();
        g.writeStringField("anchor", anchor);
        g.writeStringField("text", text);
        g.writeNumberField("label", label);
        if (options.outputScores()) {
            g.writeFieldName("score");
            writeScore(g, score);
        }
        if (options.outputRanks() && rank >= 0) {
            g.writeNumberField("rank", rank);
        }
        if (!Double.isNaN(weight)) {
            g.writeNumberField("weight", weight);
        }
        endLine(g);
    }

    private void labeledList(JsonGenerator g, MinedAnchor a) throws IOException {
        int np = a.positives().length;
        int nn = a.negatives().length;
        Integer[] order = new Integer[np + nn]; // < np: positive index; >= np: negative index + np
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (options.includePositives()) {
            Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -score(a, i)).thenComparingInt(i -> i));
        }
        g.writeStartObject();
        g.writeStringField("anchor", texts.anchor(a.anchor()));
        g.writeArrayFieldStart("texts");
        for (int i : order) {
            g.writeString(texts.doc(i < np ? a.positives()[i] : a.negatives()[i - np]));
        }
        g.writeEndArray();
        g.writeArrayFieldStart("labels");
        for (int i : order) {
            g.writeNumber(i < np ? 1 : 0);
        }
        g.writeEndArray();
        if (options.outputScores()) {
            g.writeArrayFieldStart("scores");
            for (int i : order) {
                writeScore(g, score(a, i));
            }
            g.writeEndArray();
        }
        if (options.softLabels()) {
            g.writeArrayFieldStart("weights"); // one per text: 1 for a positive
            for (int i : order) {
                g.writeNumber(i < np ? 1.0 : weight(a, i - np));
            }
            g.writeEndArray();
        }
        writeRanks(g, a);
        endLine(g);
    }

    private static float score(MinedAnchor a, int i) {
        int np = a.positives().length;
        return i < np ? a.positiveScores()[i] : a.negativeScores()[i - np];
    }

    private void flag(JsonGenerator g, MinedAnchor a) throws IOException {
        g.writeStartObject();
        g.writeStringField("query", texts.anchor(a.anchor()));
        g.writeArrayFieldStart("pos");
        for (int p : a.positives()) {
            g.writeString(texts.doc(p));
        }
        g.writeEndArray();
        g.writeArrayFieldStart("neg");
        for (int n : a.negatives()) {
            g.writeString(texts.doc(n));
        }
        g.writeEndArray();
        if (options.outputScores()) {
            writeFloats(g, "pos_scores", a.positiveScores());
            writeFloats(g, "neg_scores", a.negativeScores());
        }
        writeWeights(g, "neg_weights", a);
        writeRanks(g, a);
        endLine(g);
    }

    private void writeRanks(JsonGenerator g, MinedAnchor a) throws IOException {
        if (options.outputRanks()) {
            g.writeFieldName("negative_ranks");
            g.writeArray(a.negativeRanks(), 0, a.negativeRanks().length);
        }
    }

    /** The soft-label weight of negative {@code n} (see {@link SoftLabels}). */
    private double weight(MinedAnchor a, int n) {
        return SoftLabels.weight(a.positiveReference(), a.negativeScores()[n], options.softLabelTemperature());
    }

    private void writeWeights(JsonGenerator g, String name, MinedAnchor a) throws IOException {
        if (options.softLabels()) {
            g.writeArrayFieldStart(name);
            for (int n = 0; n < a.negatives().length; n++) {
                g.writeNumber(weight(a, n));
            }
            g.writeEndArray();
        }
    }

    private static void writeFloats(JsonGenerator g, String name, float[] values) throws IOException {
        g.writeArrayFieldStart(name);
        for (float v : values) {
            writeScore(g, v);
        }
        g.writeEndArray();
    }

    /** A score, or null when it is unknown or broken (infinite, NaN): JSON has no such numbers. */
    private static void writeScore(JsonGenerator g, double score) throws IOException {
        if (Double.isFinite(score)) {
            g.writeNumber((float) score);
        } else {
            g.writeNull();
        }
    }

    private static void endLine(JsonGenerator g) throws IOException {
        g.writeEndObject();
        g.writeRaw('\n');
    }
}
