package dev.quarry.cli;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates the engine's field names into this command line's flags in messages: the engine says
 * {@code rangeMax=500, expected at most ...}, the user reads {@code --range-max=500, expected ...}.
 * The field a message opens with is translated, and a multi-word field ({@code rangeMin}) anywhere,
 * since no English word looks like it; a one-word field in running text ({@code nprobe}) is left as
 * the engine wrote it.
 */
final class FlagNames {
    /** Fields whose flag is not their kebab-case spelling. */
    private static final Map<String, String> SPECIAL = Map.ofEntries(
            Map.entry("maxTrainingPoints", "--train-sample"),
            Map.entry("batchGrouping", "--batch-order"),
            Map.entry("softLabelTemperature", "--soft-labels"),
            Map.entry("models", "--model"),
            Map.entry("format", "--output-format"),
            Map.entry("sampling", "--sampling-strategy"),
            Map.entry("maxPointsPerCentroid", "--max-points-per-centroid"));

    /** Fields the command line has a flag for, under their kebab-case spelling. */
    private static final java.util.Set<String> KEBAB = java.util.Set.of("numNegatives", "rangeMin", "rangeMax",
            "minScore", "maxScore", "absoluteMargin", "relativeMargin", "nearDuplicate", "samplingStrategy",
            "semiHardMargin", "simansA", "simansB", "seed", "nprobe", "nlist", "batchSize", "agreement", "fusion",
            "strategy", "includePositives", "outputRanks", "qrelsFormat", "threads", "blockSize", "corpus", "queries",
            "run", "index", "iterations", "checkpointSeconds", "strict", "widenTo", "temperature",
            "learningRate", "epochs", "seeds", "heldoutSplit", "heldoutQueries", "candidates");

    private static final Pattern LEADING = Pattern.compile("^([a-z][A-Za-z0-9]*)=");
    private static final Pattern CAMEL = Pattern.compile("(?<![-\\w])([a-z]+[A-Z][A-Za-z0-9]*)\\b");
    private static final Pattern SWITCHED_ON = Pattern.compile("(?<![-\\w])([a-z][A-Za-z0-9]*) is on\\b");

    private FlagNames() {
    }

    /** The flag of an engine field, or null when the command line has none. */
    static String flag(String field) {
        if (SPECIAL.containsKey(field)) {
            return SPECIAL.get(field);
        }
        return KEBAB.contains(field) ? "--" + field.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT)
                : null;
    }

    /**
     * {@code message} with the engine's field names replaced by flags: the field the message opens
     * with ({@code nprobe=17, expected ...}), every multi-word field in it ({@code rangeMax}), and a
     * switch said to be on ({@code strict is on}).
     */
    static String toFlags(String message) {
        Matcher lead = LEADING.matcher(message);
        String text = message;
        if (lead.find() && flag(lead.group(1)) != null) {
            text = flag(lead.group(1)) + "=" + message.substring(lead.end());
        }
        Matcher m = CAMEL.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String flag = flag(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(flag != null ? flag : m.group(1)));
        }
        m.appendTail(out);
        Matcher on = SWITCHED_ON.matcher(out.toString());
        StringBuilder switched = new StringBuilder();
        while (on.find()) {
            String flag = flag(on.group(1));
            on.appendReplacement(switched, Matcher.quoteReplacement(flag != null ? flag + " is on" : on.group(0)));
        }
        on.appendTail(switched);
        return switched.toString();
    }
}
