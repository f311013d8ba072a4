package dev.quarry.mining;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.quarry.Seeds;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Min, mean, median and max of a stream of scores. The median is exact up to {@link #RESERVOIR} values
 * and estimated beyond, from a reservoir sample whose choices hash the value's position (not a
 * random stream), so the result depends only on the order of the values, which the pipeline fixes.
 * Not thread-safe.
 */
public final class ScoreStats {
    /** Values kept for the median. */
    public static final int RESERVOIR = 100_000;
    private static final long SEED = 0x5c07e5L;

    private long count;
    private double sum;
    private float min = Float.NaN;
    private float max = Float.NaN;
    private float[] reservoir = new float[1024];

    /** Adds one score (NaN scores are ignored). */
    public void add(float score) {
        if (Float.isNaN(score)) {
            return;
        }
        if (count < RESERVOIR) {
            if (count == reservoir.length) {
                reservoir = Arrays.copyOf(reservoir, Math.min(RESERVOIR, reservoir.length * 2));
            }
            reservoir[(int) count] = score;
        } else {
            long slot = Long.remainderUnsigned(Seeds.mix(SEED, count), count + 1);
            if (slot < RESERVOIR) {
                reservoir[(int) slot] = score;
            }
        }
        count++;
        sum += score;
        min = Float.isNaN(min) || score < min ? score : min;
        max = Float.isNaN(max) || score > max ? score : max;
    }

    public long count() {
        return count;
    }

    public double mean() {
        return count == 0 ? Double.NaN : sum / count;
    }

    public float min() {
        return min;
    }

    public float max() {
        return max;
    }

    /** The median (exact while at most {@link #RESERVOIR} values were added). */
    public double median() {
        int n = (int) Math.min(count, RESERVOIR);
        if (n == 0) {
            return Double.NaN;
        }
        float[] sorted = Arrays.copyOf(reservoir, n);
        Arrays.sort(sorted);
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + (double) sorted[n / 2]) / 2;
    }

    /** Whether the median is estimated from a sample. */
    public boolean medianSampled() {
        return count > RESERVOIR;
    }

    /** Writes the summary figures as an object. */
    public void writeSummary(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeNumberField("count", count);
        writeNumberOrNull(g, "min", min);
        writeNumberOrNull(g, "mean", mean());
        writeNumberOrNull(g, "median", median());
        writeNumberOrNull(g, "max", max);
        if (medianSampled()) {
            g.writeBooleanField("median_from_sample", true);
        }
        g.writeEndObject();
    }

    private static void writeNumberOrNull(JsonGenerator g, String name, double value) throws IOException {
        if (Double.isNaN(value)) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, value);
        }
    }

    /** Writes the full state (for a checkpoint). */
    public void writeState(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeNumberField("count", count);
        g.writeNumberField("sum_bits", Double.doubleToRawLongBits(sum)); // exact, and Infinity/NaN survive JSON
        g.writeNumberField("min_bits", Float.floatToRawIntBits(min));
        g.writeNumberField("max_bits", Float.floatToRawIntBits(max));
        int n = (int) Math.min(count, RESERVOIR);
        ByteBuffer bytes = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(reservoir, 0, n);
        g.writeFieldName("reservoir");
        g.writeBinary(bytes.array());
        g.writeEndObject();
    }

    /** Reads a state written by {@link #writeState} (the parser is at its START_OBJECT). */
    public static ScoreStats readState(JsonParser p) throws IOException {
        ScoreStats s = new ScoreStats();
        int kept = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "count" -> s.count = p.getLongValue();
                case "sum_bits" -> s.sum = Double.longBitsToDouble(p.getLongValue());
                case "min_bits" -> s.min = Float.intBitsToFloat(p.getIntValue());
                case "max_bits" -> s.max = Float.intBitsToFloat(p.getIntValue());
                case "reservoir" -> {
                    byte[] raw = p.getBinaryValue();
                    float[] values = new float[raw.length / 4];
                    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
                    s.reservoir = Arrays.copyOf(values, Math.max(1024, values.length));
                    kept = values.length;
                }
                default -> p.skipChildren();
            }
        }
        if (s.count < 0 || kept != Math.min(s.count, RESERVOIR)) {
            throw new JsonParseException(p, "score count=" + s.count + " with " + kept + " scores kept, expected"
                    + " count >= 0 and min(count, " + RESERVOIR + ") scores kept");
        }
        return s;
    }
}
