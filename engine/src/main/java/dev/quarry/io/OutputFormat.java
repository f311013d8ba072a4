package dev.quarry.io;

import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import java.util.Locale;

/** The shapes a mined set is written in (JSONL shapes of sentence-transformers and FlagEmbedding, or npy). */
public enum OutputFormat {
    /** {@code {"anchor", "positive", "negative"}}, one line per (positive, negative) pair. */
    TRIPLET("triplet"),
    /** {@code {"anchor", "positive", "negative_1", ..., "negative_n"}}, one line per positive; only anchors with n negatives. */
    N_TUPLE("n-tuple"),
    /** {@code {"anchor", "text", "label"}}: a line per positive (label 1) and per negative (label 0). */
    LABELED_PAIR("labeled-pair"),
    /** {@code {"anchor", "texts": [...], "labels": [...]}}, one line per anchor: positives then negatives. */
    LABELED_LIST("labeled-list"),
    /** FlagEmbedding: {@code {"query", "pos": [...], "neg": [...]}}, one line per anchor. */
    FLAG("flag"),
    /** {@code NAME.ids.npy} int32 [anchors, n] padded with -1, {@code NAME.scores.npy} float32 padded with NaN, {@code NAME.anchors.npy}. */
    NPY("npy");

    private final String cliName;

    OutputFormat(String cliName) {
        this.cliName = cliName;
    }

    /** The name users type. */
    public String cliName() {
        return cliName;
    }

    /** Parses a name as users type it. */
    public static OutputFormat parse(String name) {
        for (OutputFormat f : values()) {
            if (f.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new OptionError(MineSettings.OUTPUT_FORMAT, name, MineSettings.OUTPUT_FORMAT.expected());
    }
}
