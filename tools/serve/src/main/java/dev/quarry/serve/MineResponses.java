package dev.quarry.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.quarry.labels.IdMap;
import dev.quarry.mining.MinedAnchor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Locale;

/**
 * A mine answer in the two shapes a client can ask for. Binary: {@code int32[n x k]} corpus row
 * ordinals, -1 where an anchor got fewer than {@code k}, then {@code float32[n x k]} scores, NaN
 * there (the padding of {@code quarry mine}'s npy output), little-endian. JSON: ids, scores, ranks and
 * why an anchor fell short, per anchor.
 */
final class MineResponses {
    private static final JsonFactory JSON = new JsonFactory();

    private MineResponses() {
    }

    static byte[] binary(List<MinedAnchor> anchors, int k) {
        int n = anchors.size();
        ByteBuffer out = ByteBuffer.allocate(n * k * (Integer.BYTES + Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        for (MinedAnchor a : anchors) {
            int[] negatives = a.negatives();
            for (int j = 0; j < k; j++) {
                out.putInt(j < negatives.length ? negatives[j] : -1);
            }
        }
        for (MinedAnchor a : anchors) {
            float[] scores = a.negativeScores();
            for (int j = 0; j < k; j++) {
                out.putFloat(j < scores.length ? scores[j] : Float.NaN);
            }
        }
        return out.array();
    }

    static byte[] json(List<MinedAnchor> anchors, IdMap ids, long version) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + anchors.size() * 128);
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeNumberField("index_version", version);
            g.writeArrayFieldStart("negatives");
            for (MinedAnchor a : anchors) {
                g.writeStartArray();
                for (int row : a.negatives()) {
                    g.writeString(ids.id(row));
                }
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("scores");
            for (MinedAnchor a : anchors) {
                g.writeArray(toDoubles(a.negativeScores()), 0, a.negativeScores().length);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("ranks");
            for (MinedAnchor a : anchors) {
                g.writeArray(a.negativeRanks(), 0, a.negativeRanks().length);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("positive_scores");
            for (MinedAnchor a : anchors) {
                g.writeArray(toDoubles(a.positiveScores()), 0, a.positiveScores().length);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("shortfall");
            for (MinedAnchor a : anchors) {
                g.writeString(a.shortfall().name().toLowerCase(Locale.ROOT));
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Scores as the float32 they are, printed shortest (0.8123 rather than 0.8123000264167786). */
    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Double.parseDouble(Float.toString(values[i]));
        }
        return out;
    }
}
