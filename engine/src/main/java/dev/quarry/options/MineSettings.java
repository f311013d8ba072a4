package dev.quarry.options;

import java.util.List;

/**
 * Every setting of a mining request, declared once, with the rules that tie settings together. Names are
 * sentence-transformers' ({@code mine_hard_negatives}); each door spells them its own way ({@link Door}).
 * Adding a setting means declaring it here, listing it in {@link #ALL}, and reading it where it is used.
 *
 * <p>Defaults are defensive (docs/defences.md): the 10 hardest ranks are skipped, negatives score at most
 * 95% of the positive, near-duplicates of a positive are dropped, and an anchor the filters leave with fewer
 * negatives than asked is left out. {@code no_defences} gives
 * sentence-transformers' plain shape: the settings with a plain value take it unless given.
 */
public final class MineSettings {

    public static final Setting<Integer> NUM_NEGATIVES = Setting.integer("num_negatives").defaultValue(3)
            .valid(v -> v >= 1, ">= 1").example("8")
            .meaning("Negatives per anchor.").build();

    public static final Setting<Integer> RANGE_MIN = Setting.integer("range_min").defaultValue(10).plain(0)
            .valid(v -> v >= 0, ">= 0").example("0")
            .meaning("First rank considered: the hardest ranks, where unlabelled positives hide, are skipped;"
                    + " 0 keeps them.").build();

    public static final Setting<Integer> RANGE_MAX = Setting.integer("range_max").defaultValue(100)
            .valid(v -> v >= 1, ">= 1").example("200")
            .meaning("Rank after the last one considered (also how deep the index searches).").build();

    public static final Setting<Double> MIN_SCORE = Setting.number("min_score").offable().defaultValue(Double.NaN)
            .example("0.2").meaning("Drop negatives scoring below this.").build();

    public static final Setting<Double> MAX_SCORE = Setting.number("max_score").offable().defaultValue(Double.NaN)
            .example("0.8").meaning("Drop negatives scoring above this.").build();

    public static final Setting<Double> ABSOLUTE_MARGIN = Setting.number("absolute_margin").offable()
            .defaultValue(Double.NaN).valid(v -> v >= 0, ">= 0").example("0.1")
            .meaning("Keep negatives with score <= positive - M.").build();

    public static final Setting<Double> RELATIVE_MARGIN = Setting.number("relative_margin").offable()
            .defaultValue(0.05).plain(Double.NaN).valid(v -> v >= 0 && v < 1, "0 <= m < 1").example("0.1")
            .meaning("Keep negatives with score <= positive x (1 - M); off (or 0) turns it off (0.05: at most 95"
                    + " percent of the positive).").build();

    public static final Setting<Double> NEAR_DUPLICATE = Setting.number("near_duplicate").offable()
            .defaultValue(0.9).plain(Double.NaN).valid(v -> v > -1 && v <= 1, "-1 < t <= 1").example("0.95")
            .meaning("Drop candidates whose cosine to a positive is at least T (likely unlabelled positives).")
            .build();

    public static final Setting<Double> MIN_POSITIVE_SCORE = Setting.number("min_positive_score").offable()
            .defaultValue(Double.NaN).example("0.3")
            .meaning("Mine no negatives for an anchor whose positive scores below S (the lowest positive when there"
                    + " are several): such a label is likely wrong, and margins measured from it let easy negatives"
                    + " through; the summary counts these anchors.").build();

    public static final Setting<Integer> WIDEN_TO = Setting.integer("widen_to").defaultValue(0)
            .valid(v -> v >= 0, "a rank > range_max, or 0 (off)").example("1000")
            .meaning("An anchor the filters leave with fewer negatives than asked takes candidates from the next"
                    + " windows of ranks ([range_max, range_max + width), ...), under the same filters, up to this"
                    + " rank, skipping the range_min ranks after the first one the margins and max_score let through"
                    + " (as the first window skips the hardest); 0: it keeps what its window gave.").build();

    public static final Setting<Boolean> LEAVE_OUT_SHORT = Setting.onOff("leave_out_short").defaultValue(true)
            .plain(false)
            .meaning("Leave anchors that still have fewer negatives than asked out of the output, in every format"
                    + " (n-tuple always does; a served call answers them with no negative), so a trainer sees only"
                    + " anchors with every negative asked; false keeps what they got (quarry tune's evidence: docs/defences.md).")
            .build();

    public static final Setting<Boolean> NO_DEFENCES = Setting.onOff("no_defences")
            .meaning("sentence-transformers' plain shape: ranks from 0, no relative margin, no near-duplicate"
                    + " filter, short anchors kept (explicit range_min, relative_margin, near_duplicate and"
                    + " leave_out_short still apply).").build();

    public static final Setting<String> SAMPLING_STRATEGY = Setting.choice("sampling_strategy",
                    List.of("top", "random", "semi-hard", "simans")).defaultValue("top").example("random")
            .meaning("top (hardest first), random, semi-hard (within semi_hard_margin below the positive) or"
                    + " simans; all seeded.").build();

    public static final Setting<Double> SEMI_HARD_MARGIN = Setting.number("semi_hard_margin").defaultValue(0.2)
            .valid(v -> v > 0 && v <= 2, "0 < m <= 2").example("0.1")
            .meaning("semi-hard: eligible scores are [positive - M, positive).").build();

    public static final Setting<Double> SIMANS_A = Setting.number("simans_a").defaultValue(20.0)
            .valid(v -> v > 0 && v <= 1e6, "0 < a <= 1e6").example("10")
            .meaning("simans: sharpness a of p ~ exp(-a (s - s_pos - b)^2).").build();

    public static final Setting<Double> SIMANS_B = Setting.number("simans_b").defaultValue(-0.1)
            .valid(v -> Math.abs(v) <= 2, "-2 <= b <= 2").example("-0.05")
            .meaning("simans: preferred offset b from the positive's score.").build();

    public static final Setting<Long> SEED = Setting.longInteger("seed").defaultValue(42L).example("7")
            .meaning("Seed of random sampling.").build();

    public static final Setting<Integer> NPROBE = Setting.integer("nprobe").valid(v -> v >= 1, ">= 1")
            .example("16").meaning("Lists probed per anchor with an IVF index (default: nlist / 64).").build();

    public static final Setting<Double> PROBE_MARGIN = Setting.number("probe_margin").offable()
            .defaultValue(Double.NaN).valid(v -> v >= 0, ">= 0").example("0.05")
            .meaning("With an IVF index and nprobe > 1: of an anchor's nprobe best lists, probe only those whose"
                    + " centroid scores within M of its best one's (an anchor deep inside one list then probes"
                    + " one, one near a boundary all); off: every one.").build();

    public static final Setting<String> OUTPUT_FORMAT = Setting.choice("output_format",
                    List.of("triplet", "n-tuple", "labeled-pair", "labeled-list", "flag", "npy"))
            .defaultValue("triplet").doors(Door.CLI, Door.SPARK).example("n-tuple")
            .meaning("The training file's shape.").build();

    public static final Setting<Boolean> OUTPUT_SCORES = Setting.onOff("output_scores").doors(Door.CLI, Door.SPARK)
            .meaning("Add scores to every output line.").build();

    public static final Setting<Boolean> OUTPUT_RANKS = Setting.onOff("output_ranks").doors(Door.CLI, Door.SPARK)
            .meaning("Add the negatives' ranks to every output line.").build();

    public static final Setting<Double> SOFT_LABELS = Setting.number("soft_labels").offable()
            .defaultValue(Double.NaN).valid(v -> v > 0 && v <= 100, "a temperature 0 < T <= 100")
            .doors(Door.CLI, Door.SPARK).example("0.05")
            .meaning("Add a weight per negative, 1 / (1 + exp(-(s_pos - s_neg) / T)), with temperature T: near 1"
                    + " for clear negatives, 0.5 when as close as the positive.").build();

    public static final Setting<Boolean> INCLUDE_POSITIVES = Setting.onOff("include_positives")
            .doors(Door.CLI, Door.SPARK)
            .meaning("labeled-list: rank the positives among the negatives by score (for reranking"
                    + " evaluation); they keep label 1.").build();

    /** Every setting, in the order help and exports list them. */
    public static final List<Setting<?>> ALL = List.of(NUM_NEGATIVES, RANGE_MIN, RANGE_MAX, MIN_SCORE, MAX_SCORE,
            ABSOLUTE_MARGIN, RELATIVE_MARGIN, NO_DEFENCES, NEAR_DUPLICATE, MIN_POSITIVE_SCORE, WIDEN_TO, LEAVE_OUT_SHORT,
            SAMPLING_STRATEGY,
            SEMI_HARD_MARGIN, SIMANS_A, SIMANS_B, SEED, NPROBE, PROBE_MARGIN, OUTPUT_FORMAT, OUTPUT_SCORES, OUTPUT_RANKS,
            SOFT_LABELS, INCLUDE_POSITIVES);

    private MineSettings() {
    }

    /** The setting with this key, or null. */
    public static Setting<?> byKey(String key) {
        for (Setting<?> s : ALL) {
            if (s.key().equals(key)) {
                return s;
            }
        }
        return null;
    }

    /** The settings a door takes. */
    public static List<Setting<?>> of(Door door) {
        return ALL.stream().filter(s -> s.appliesTo(door)).toList();
    }

    /**
     * The rules between settings, on the values in force: the rank window, the score window, and the output
     * settings that need a format.
     *
     * @throws OptionError naming the first setting at fault
     */
    static void checkTogether(MineOptions o) {
        int min = o.get(RANGE_MIN);
        int max = o.get(RANGE_MAX);
        if (max <= min) {
            throw new OptionError(RANGE_MIN, min, "0 <= {range_min} < {range_max} = " + max);
        }
        int n = o.get(NUM_NEGATIVES);
        if (n > max - min) {
            throw new OptionError(NUM_NEGATIVES, n, "at most {range_max} - {range_min} = " + (max - min)
                    + " (the rank window holds no more candidates)");
        }
        int widenTo = o.get(WIDEN_TO);
        if (widenTo > 0 && widenTo <= max) {
            throw new OptionError(WIDEN_TO, widenTo, "a rank > {range_max} = " + max + " (short anchors take"
                    + " candidates from ranks [{range_max}, {widen_to})), or 0 (off)");
        }
        double lo = o.get(MIN_SCORE);
        double hi = o.get(MAX_SCORE);
        if (!Double.isNaN(lo) && !Double.isNaN(hi) && lo > hi) {
            throw new OptionError(MIN_SCORE, lo, "at most {max_score} = " + hi);
        }
        checkOutput(o.get(OUTPUT_FORMAT), o.get(OUTPUT_RANKS), o.get(INCLUDE_POSITIVES), o.get(SOFT_LABELS));
    }

    /**
     * The rule between the settings and a corpus of {@code rows} rows: the rank window must fit in it (an index
     * searches {@code range_max} deep). Checked before anything is sized by {@code range_max}.
     *
     * @param corpus how the error names the corpus ({@code 2 rows in corpus.qvec})
     */
    public static void checkCorpus(MineOptions o, long rows, String corpus) {
        int max = o.get(RANGE_MAX);
        if (max > rows) {
            throw new OptionError(RANGE_MAX, max, "at most the corpus size (" + rows + " rows in " + corpus + ")");
        }
    }

    /**
     * The output settings' rules (the output layer's records call this too, so the rule lives once).
     *
     * @param format the output format's name
     */
    public static void checkOutput(String format, boolean outputRanks, boolean includePositives,
                                   double softLabelTemperature) {
        boolean npy = format.equals("npy");
        if (!Double.isNaN(softLabelTemperature)) {
            SOFT_LABELS.require(softLabelTemperature);
            if (npy) {
                throw new OptionError(SOFT_LABELS, softLabelTemperature, "off with {output_format} npy (soft labels"
                        + " are for JSONL formats; npy writes ids and scores)");
            }
        }
        if (includePositives && !format.equals("labeled-list")) {
            throw new OptionError(INCLUDE_POSITIVES, true, "{output_format} labeled-list (where positives are"
                    + " ranked among the negatives), not " + format);
        }
        if (npy && outputRanks) {
            throw new OptionError(OUTPUT_RANKS, true, "a JSONL {output_format} (npy writes ids and scores)");
        }
    }
}
