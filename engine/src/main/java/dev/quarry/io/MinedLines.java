package dev.quarry.io;

import dev.quarry.mining.MinedAnchor;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The lines a mined anchor makes in each JSONL {@link OutputFormat} (sentence-transformers' and
 * FlagEmbedding's shapes), written field by field into a {@link MinedLineSink}. The one place that says
 * which fields a format's line has and what they hold: the JSONL encoder and Spark's table rows both
 * walk an anchor through it, so a Parquet row holds what the JSONL line holds. Not thread-safe (the
 * sink is not).
 */
public final class MinedLines {
    private final OutputOptions options;
    private final TextLookup texts;

    /**
     * @param options the format and its optional fields
     * @param texts names the corpus rows ({@link TextLookup#doc}); the anchor's name is given per call
     */
    public MinedLines(OutputOptions options, TextLookup texts) {
        if (options.format() == OutputFormat.NPY) {
            throw new IllegalArgumentException("npy is not a JSONL format");
        }
        this.options = options;
        this.texts = texts;
    }

    /** Puts the lines of {@code a}, whose name (text or id) is {@code anchor}, into {@code sink}. */
    public void write(MinedAnchor a, String anchor, MinedLineSink sink) {
        if (a.leftOut()) {
            return; // short under a policy that leaves such anchors out: no line in any format
        }
        switch (options.format()) {
            case TRIPLET -> triplets(sink, a, anchor);
            case N_TUPLE -> tuples(sink, a, anchor);
            case LABELED_PAIR -> labeledPairs(sink, a, anchor);
            case LABELED_LIST -> labeledList(sink, a, anchor);
            case FLAG -> flag(sink, a, anchor);
            case NPY -> throw new IllegalStateException("npy");
        }
    }

    private void triplets(MinedLineSink s, MinedAnchor a, String anchor) {
        for (int p = 0; p < a.positives().length; p++) {
            String positive = texts.doc(a.positives()[p]);
            for (int n = 0; n < a.negatives().length; n++) {
                s.begin();
                s.text("anchor", anchor);
                s.text("positive", positive);
                s.text("negative", texts.doc(a.negatives()[n]));
                if (options.outputScores()) {
                    s.scores("scores", new float[] {a.positiveScores()[p], a.negativeScores()[n]});
                }
                if (options.outputRanks()) {
                    s.integer("rank", a.negativeRanks()[n]);
                }
                if (options.softLabels()) {
                    s.real("weight", weight(a, n));
                }
                s.end();
            }
        }
    }

    private void tuples(MinedLineSink s, MinedAnchor a, String anchor) {
        if (a.negatives().length < options.numNegatives()) {
            return; // every n-tuple line has the same columns; the summary counts the anchors left out
        }
        for (int p = 0; p < a.positives().length; p++) {
            s.begin();
            s.text("anchor", anchor);
            s.text("positive", texts.doc(a.positives()[p]));
            for (int n = 0; n < a.negatives().length; n++) {
                s.text("negative_" + (n + 1), texts.doc(a.negatives()[n]));
            }
            if (options.outputScores()) {
                float[] scores = new float[1 + a.negatives().length];
                scores[0] = a.positiveScores()[p];
                System.arraycopy(a.negativeScores(), 0, scores, 1, a.negatives().length);
                s.scores("scores", scores);
            }
            ranks(s, a);
            weights(s, "weights", a);
            s.end();
        }
    }

    private void labeledPairs(MinedLineSink s, MinedAnchor a, String anchor) {
        for (int p = 0; p < a.positives().length; p++) {
            labeledPair(s, anchor, texts.doc(a.positives()[p]), 1, a.positiveScores()[p], -1,
                    options.softLabels() ? 1.0 : Double.NaN);
        }
        for (int n = 0; n < a.negatives().length; n++) {
            labeledPair(s, anchor, texts.doc(a.negatives()[n]), 0, a.negativeScores()[n], a.negativeRanks()[n],
                    options.softLabels() ? weight(a, n) : Double.NaN);
        }
    }

    private void labeledPair(MinedLineSink s, String anchor, String text, int label, float score, int rank,
                             double weight) {
        s.begin();
        s.text("anchor", anchor);
        s.text("text", text);
        s.integer("label", label);
        if (options.outputScores()) {
            s.score("score", score);
        }
        if (options.outputRanks() && rank >= 0) {
            s.integer("rank", rank);
        }
        if (!Double.isNaN(weight)) {
            s.real("weight", weight);
        }
        s.end();
    }

    private void labeledList(MinedLineSink s, MinedAnchor a, String anchor) {
        int np = a.positives().length;
        int nn = a.negatives().length;
        Integer[] order = new Integer[np + nn]; // < np: positive index; >= np: negative index + np
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (options.includePositives()) {
            Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -score(a, i)).thenComparingInt(i -> i));
        }
        String[] docs = new String[order.length];
        int[] labels = new int[order.length];
        for (int j = 0; j < order.length; j++) {
            int i = order[j];
            docs[j] = texts.doc(i < np ? a.positives()[i] : a.negatives()[i - np]);
            labels[j] = i < np ? 1 : 0;
        }
        s.begin();
        s.text("anchor", anchor);
        s.texts("texts", docs);
        s.integers("labels", labels);
        if (options.outputScores()) {
            float[] scores = new float[order.length];
            for (int j = 0; j < order.length; j++) {
                scores[j] = score(a, order[j]);
            }
            s.scores("scores", scores);
        }
        if (options.softLabels()) {
            double[] weights = new double[order.length]; // one per text: 1 for a positive
            for (int j = 0; j < order.length; j++) {
                weights[j] = order[j] < np ? 1.0 : weight(a, order[j] - np);
            }
            s.reals("weights", weights);
        }
        ranks(s, a);
        s.end();
    }

    private static float score(MinedAnchor a, int i) {
        int np = a.positives().length;
        return i < np ? a.positiveScores()[i] : a.negativeScores()[i - np];
    }

    private void flag(MinedLineSink s, MinedAnchor a, String anchor) {
        s.begin();
        s.text("query", anchor);
        s.texts("pos", docs(a.positives()));
        s.texts("neg", docs(a.negatives()));
        if (options.outputScores()) {
            s.scores("pos_scores", a.positiveScores());
            s.scores("neg_scores", a.negativeScores());
        }
        weights(s, "neg_weights", a);
        ranks(s, a);
        s.end();
    }

    private String[] docs(int[] ordinals) {
        String[] out = new String[ordinals.length];
        for (int i = 0; i < ordinals.length; i++) {
            out[i] = texts.doc(ordinals[i]);
        }
        return out;
    }

    private void ranks(MinedLineSink s, MinedAnchor a) {
        if (options.outputRanks()) {
            s.integers("negative_ranks", a.negativeRanks());
        }
    }

    /** The soft-label weight of negative {@code n} (see {@link SoftLabels}). */
    private double weight(MinedAnchor a, int n) {
        return SoftLabels.weight(a.positiveReference(), a.negativeScores()[n], options.softLabelTemperature());
    }

    private void weights(MinedLineSink s, String name, MinedAnchor a) {
        if (options.softLabels()) {
            double[] weights = new double[a.negatives().length];
            for (int n = 0; n < weights.length; n++) {
                weights[n] = weight(a, n);
            }
            s.reals(name, weights);
        }
    }
}
