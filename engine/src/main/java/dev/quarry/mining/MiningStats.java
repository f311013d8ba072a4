package dev.quarry.mining;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.quarry.mining.candidate.Shortfall;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a mining run produced, accumulated anchor by anchor in output order (so the figures are the
 * same for any thread count): anchors, negatives, shortfalls by reason, score statistics of
 * positives and negatives, mean rank of negatives. Printed at the end like sentence-transformers
 * prints its summary, and written as JSON beside the output; its state rides in checkpoints.
 * Not thread-safe.
 */
public final class MiningStats {
    private final int wanted;
    private int rangeMax; // restored from a checkpoint's state
    private long anchors;
    private long leftOut;
    private long widened;
    private long negatives;
    private double rankSum;
    private final Map<Shortfall, Long> shortfalls = new EnumMap<>(Shortfall.class);
    private ScoreStats positiveScores = new ScoreStats();
    private ScoreStats negativeScores = new ScoreStats();

    /** Statistics of a run asking {@code wanted} negatives per anchor (widened anchors are not counted). */
    public MiningStats(int wanted) {
        this(wanted, 0);
    }

    /** Statistics of a run mining with {@code config}: anchors that took negatives beyond its rank window count too. */
    public MiningStats(MiningConfig config) {
        this(config.numNegatives(), config.rangeMax());
    }

    private MiningStats(int wanted, int rangeMax) {
        this.wanted = wanted;
        this.rangeMax = rangeMax;
    }

    /** Counts one mined anchor. */
    public void add(MinedAnchor a) {
        anchors++;
        for (float s : a.positiveScores()) {
            positiveScores.add(s);
        }
        for (int i = 0; i < a.negatives().length; i++) {
            negativeScores.add(a.negativeScores()[i]);
            rankSum += a.negativeRanks()[i];
        }
        negatives += a.negatives().length;
        if (a.shortfall() != Shortfall.NONE) {
            shortfalls.merge(a.shortfall(), 1L, Long::sum);
        }
        if (a.leftOut()) {
            leftOut++;
        }
        if (rangeMax > 0 && a.negatives().length > 0 && widenedBeyond(a.negativeRanks(), rangeMax)) {
            widened++;
        }
    }

    private static boolean widenedBeyond(int[] ranks, int rangeMax) {
        for (int r : ranks) {
            if (r >= rangeMax) {
                return true;
            }
        }
        return false;
    }

    /** Anchors left out of the output: short under a policy that leaves them out (counted among the short too). */
    public long leftOut() {
        return leftOut;
    }

    /** Anchors that took negatives from ranks beyond the rank window (a policy that widens). */
    public long widened() {
        return widened;
    }

    public long anchors() {
        return anchors;
    }

    public long negatives() {
        return negatives;
    }

    /** Anchors that got fewer negatives than asked, for one reason. */
    public long shortfall(Shortfall reason) {
        return shortfalls.getOrDefault(reason, 0L);
    }

    /** Anchors that got fewer negatives than asked, for any reason. */
    public long shortAnchors() {
        return shortfalls.values().stream().mapToLong(Long::longValue).sum();
    }

    public ScoreStats positiveScores() {
        return positiveScores;
    }

    public ScoreStats negativeScores() {
        return negativeScores;
    }

    /** Mean 0-based rank of the mined negatives. */
    public double meanNegativeRank() {
        return negatives == 0 ? Double.NaN : rankSum / negatives;
    }

    /** The human summary. */
    public void print(PrintWriter out) {
        out.printf(Locale.ROOT, "anchors mined          %,d%n", anchors);
        out.printf(Locale.ROOT, "negatives              %,d (asked %d per anchor)%n", negatives, wanted);
        out.printf(Locale.ROOT, "fewer than asked       %,d anchors%n", shortAnchors());
        for (Shortfall reason : Shortfall.values()) {
            long n = shortfall(reason);
            if (n > 0) {
                out.printf(Locale.ROOT, "  %-20s %,d (%s)%n", reason.name().toLowerCase(Locale.ROOT), n,
                        reason.description());
            }
        }
        if (leftOut > 0) {
            out.printf(Locale.ROOT, "left out               %,d anchors (fewer than asked: written to no output)%n",
                    leftOut);
        }
        if (widened > 0) {
            out.printf(Locale.ROOT, "widened                %,d anchors took negatives from ranks beyond range-max%n",
                    widened);
        }
        printScores(out, "positive scores", positiveScores);
        printScores(out, "negative scores", negativeScores);
        out.printf(Locale.ROOT, "mean negative rank     %.1f%n", meanNegativeRank());
    }

    private static void printScores(PrintWriter out, String name, ScoreStats s) {
        out.printf(Locale.ROOT, "%-22s min %.4f  mean %.4f  median %.4f%s  max %.4f%n", name, s.min(), s.mean(),
                s.median(), s.medianSampled() ? " (sampled)" : "", s.max());
    }

    /** Writes the summary fields into the current JSON object. */
    public void writeSummaryFields(JsonGenerator g) throws IOException {
        g.writeNumberField("anchors", anchors);
        g.writeNumberField("negatives", negatives);
        g.writeNumberField("negatives_per_anchor_asked", wanted);
        g.writeObjectFieldStart("fewer_than_asked");
        g.writeNumberField("anchors", shortAnchors());
        for (Shortfall reason : Shortfall.values()) {
            if (reason != Shortfall.NONE) {
                g.writeNumberField(reason.name().toLowerCase(Locale.ROOT), shortfall(reason));
            }
        }
        g.writeEndObject();
        g.writeNumberField("left_out", leftOut);
        g.writeNumberField("widened", widened);
        g.writeFieldName("positive_scores");
        positiveScores.writeSummary(g);
        g.writeFieldName("negative_scores");
        negativeScores.writeSummary(g);
        if (negatives > 0) {
            g.writeNumberField("mean_negative_rank", meanNegativeRank());
        }
    }

    /** Writes the full state as an object (for a checkpoint). */
    public void writeState(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeNumberField("anchors", anchors);
        g.writeNumberField("negatives", negatives);
        g.writeNumberField("rank_sum", rankSum);
        g.writeNumberField("range_max", rangeMax);
        g.writeNumberField("left_out", leftOut);
        g.writeNumberField("widened", widened);
        g.writeObjectFieldStart("shortfalls");
        for (Map.Entry<Shortfall, Long> e : shortfalls.entrySet()) {
            g.writeNumberField(e.getKey().name(), e.getValue());
        }
        g.writeEndObject();
        g.writeFieldName("positive_scores");
        positiveScores.writeState(g);
        g.writeFieldName("negative_scores");
        negativeScores.writeState(g);
        g.writeEndObject();
    }

    private static Shortfall shortfall(JsonParser p) throws IOException {
        try {
            return Shortfall.valueOf(p.currentName());
        } catch (IllegalArgumentException e) {
            throw new JsonParseException(p, "shortfall reason=" + p.currentName() + ", expected one of "
                    + Arrays.toString(Shortfall.values()));
        }
    }

    /** Restores a state written by {@link #writeState} (the parser is at its START_OBJECT). */
    public static MiningStats readState(JsonParser p, int wanted) throws IOException {
        MiningStats s = new MiningStats(wanted);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "range_max" -> s.rangeMax = p.getIntValue();
                case "left_out" -> s.leftOut = p.getLongValue();
                case "widened" -> s.widened = p.getLongValue();
                case "anchors" -> s.anchors = p.getLongValue();
                case "negatives" -> s.negatives = p.getLongValue();
                case "rank_sum" -> s.rankSum = p.getDoubleValue();
                case "shortfalls" -> {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        Shortfall reason = shortfall(p);
                        p.nextToken();
                        s.shortfalls.put(reason, p.getLongValue());
                    }
                }
                case "positive_scores" -> s.positiveScores = ScoreStats.readState(p);
                case "negative_scores" -> s.negativeScores = ScoreStats.readState(p);
                default -> p.skipChildren();
            }
        }
        return s;
    }
}
