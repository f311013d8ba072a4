package dev.quarry.mining;

import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import dev.quarry.mining.filter.FilterChain;
import dev.quarry.mining.filter.MarginFilter;
import dev.quarry.mining.filter.NearDuplicateFilter;
import dev.quarry.mining.filter.PositiveScoreFilter;
import dev.quarry.mining.filter.RankWindowFilter;
import dev.quarry.mining.filter.ScoreRangeFilter;
import dev.quarry.mining.sample.NegativeSampler;
import dev.quarry.mining.sample.RandomSampler;
import dev.quarry.mining.sample.SemiHardSampler;
import dev.quarry.mining.sample.SimansSampler;
import dev.quarry.mining.sample.TopSampler;
import java.util.List;
import java.util.Locale;

/**
 * What to mine per anchor, as the kernel reads it: a view of a request's {@link MineOptions} (the schema
 * object, which holds every value once and checks them), with the names users know from
 * sentence-transformers' {@code mine_hard_negatives}. Ranks are 0-based among the corpus rows left after
 * excluding the anchor's positives, known positives and (for corpus anchors) the anchor itself; the rank
 * window {@code [rangeMin, rangeMax)} is applied first, then the score window, then the margins to the
 * positive (the lowest-scoring labelled positive when there are several), then the near-duplicate filter,
 * then sampling.
 *
 * <p>Defaults are defensive, because the hardest ranks hold most unlabelled positives: the 10 hardest
 * ranks are skipped ({@code rangeMin = 10}), negatives must score at most 95% of the positive
 * ({@code relativeMargin = 0.05}, NV-Retriever's TopK-PercPos), and candidates whose cosine to a
 * positive is 0.9 or more are dropped ({@code nearDuplicate}), and an anchor they leave with fewer negatives
 * than asked is left out ({@link #shortfall}). The evidence is in docs/defences.md.
 * {@link #withoutFilters} gives sentence-transformers' plain top-k shape. Off values are NaN.
 * Two configurations are equal when they mine the same (output settings aside).
 */
public final class MiningConfig {
    /** Default near-duplicate threshold (settled by the evidence table in docs/defences.md). */
    public static final double DEFAULT_NEAR_DUPLICATE = MineSettings.NEAR_DUPLICATE.defaultValue();

    /** Default first rank considered: the hardest ranks are skipped. */
    public static final int DEFAULT_RANGE_MIN = MineSettings.RANGE_MIN.defaultValue();

    private static final MiningConfig DEFAULTS = new MiningConfig(MineOptions.defaults());

    private final MineOptions options;
    private final int numNegatives;
    private final int rangeMin;
    private final int rangeMax;
    private final double minScore;
    private final double maxScore;
    private final double absoluteMargin;
    private final double relativeMargin;
    private final double nearDuplicate;
    private final double minPositiveScore;
    private final Sampling sampling;
    private final long seed;
    private final ShortfallPolicy shortfall;

    private MiningConfig(MineOptions o) {
        this.options = o;
        this.numNegatives = o.get(MineSettings.NUM_NEGATIVES);
        this.rangeMin = o.get(MineSettings.RANGE_MIN);
        this.rangeMax = o.get(MineSettings.RANGE_MAX);
        this.minScore = o.get(MineSettings.MIN_SCORE);
        this.maxScore = o.get(MineSettings.MAX_SCORE);
        this.absoluteMargin = o.get(MineSettings.ABSOLUTE_MARGIN);
        double relative = o.get(MineSettings.RELATIVE_MARGIN);
        this.relativeMargin = relative == 0 ? Double.NaN : relative; // 0 is the margin switched off
        this.nearDuplicate = o.get(MineSettings.NEAR_DUPLICATE);
        this.minPositiveScore = o.get(MineSettings.MIN_POSITIVE_SCORE);
        this.sampling = new Sampling(SamplingStrategy.parse(o.get(MineSettings.SAMPLING_STRATEGY)),
                o.get(MineSettings.SEMI_HARD_MARGIN), o.get(MineSettings.SIMANS_A), o.get(MineSettings.SIMANS_B));
        this.seed = o.get(MineSettings.SEED);
        this.shortfall = new ShortfallPolicy(o.get(MineSettings.WIDEN_TO), o.get(MineSettings.LEAVE_OUT_SHORT));
    }

    /** The configuration of these options. */
    public static MiningConfig of(MineOptions options) {
        return new MiningConfig(options);
    }

    /**
     * The defaults: 3 negatives from ranks [10, 100), relative margin 0.05, near-duplicates 0.9, top
     * sampling, seed 42, anchors left short left out.
     */
    public static MiningConfig defaults() {
        return DEFAULTS;
    }

    /** The schema object this configuration reads. */
    public MineOptions options() {
        return options;
    }

    /**
     * sentence-transformers' shape: ranks from 0, no filter, every anchor kept as mined (the rank window's end and
     * sampling stay).
     */
    public MiningConfig withoutFilters() {
        return with(options.toBuilder().set(MineSettings.RANGE_MIN, 0).set(MineSettings.MIN_SCORE, Double.NaN)
                .set(MineSettings.MAX_SCORE, Double.NaN).set(MineSettings.ABSOLUTE_MARGIN, Double.NaN)
                .set(MineSettings.RELATIVE_MARGIN, Double.NaN).set(MineSettings.NEAR_DUPLICATE, Double.NaN)
                .set(MineSettings.MIN_POSITIVE_SCORE, Double.NaN).set(MineSettings.WIDEN_TO, 0)
                .set(MineSettings.LEAVE_OUT_SHORT, false));
    }

    private static MiningConfig with(MineOptions.Builder b) {
        return new MiningConfig(b.build());
    }

    public int numNegatives() {
        return numNegatives;
    }

    public int rangeMin() {
        return rangeMin;
    }

    public int rangeMax() {
        return rangeMax;
    }

    public double minScore() {
        return minScore;
    }

    public double maxScore() {
        return maxScore;
    }

    public double absoluteMargin() {
        return absoluteMargin;
    }

    public double relativeMargin() {
        return relativeMargin;
    }

    public double nearDuplicate() {
        return nearDuplicate;
    }

    /** Anchors whose positive scores below this get no negatives (NaN: off). */
    public double minPositiveScore() {
        return minPositiveScore;
    }

    public Sampling sampling() {
        return sampling;
    }

    public long seed() {
        return seed;
    }

    /** What happens to anchors the filters leave with fewer negatives than asked. */
    public ShortfallPolicy shortfall() {
        return shortfall;
    }

    public MiningConfig withNumNegatives(int n) {
        return with(options.toBuilder().set(MineSettings.NUM_NEGATIVES, n));
    }

    public MiningConfig withRange(int min, int max) {
        return with(options.toBuilder().set(MineSettings.RANGE_MIN, min).set(MineSettings.RANGE_MAX, max));
    }

    public MiningConfig withScoreRange(double min, double max) {
        return with(options.toBuilder().set(MineSettings.MIN_SCORE, min).set(MineSettings.MAX_SCORE, max));
    }

    public MiningConfig withAbsoluteMargin(double m) {
        return with(options.toBuilder().set(MineSettings.ABSOLUTE_MARGIN, m));
    }

    public MiningConfig withRelativeMargin(double m) {
        return with(options.toBuilder().set(MineSettings.RELATIVE_MARGIN, m));
    }

    public MiningConfig withNearDuplicate(double t) {
        return with(options.toBuilder().set(MineSettings.NEAR_DUPLICATE, t));
    }

    public MiningConfig withSampling(SamplingStrategy s) {
        return with(options.toBuilder().set(MineSettings.SAMPLING_STRATEGY, s.cliName()));
    }

    public MiningConfig withSampling(Sampling s) {
        return with(options.toBuilder().set(MineSettings.SAMPLING_STRATEGY, s.strategy().cliName())
                .set(MineSettings.SEMI_HARD_MARGIN, s.semiHardMargin()).set(MineSettings.SIMANS_A, s.simansA())
                .set(MineSettings.SIMANS_B, s.simansB()));
    }

    public MiningConfig withSeed(long s) {
        return with(options.toBuilder().set(MineSettings.SEED, s));
    }

    public MiningConfig withShortfall(ShortfallPolicy policy) {
        return with(options.toBuilder().set(MineSettings.WIDEN_TO, policy.widenTo())
                .set(MineSettings.LEAVE_OUT_SHORT, policy.leaveOut()));
    }

    /** How deep a source is searched: {@code rangeMax}, or the rank short anchors widen to. */
    public int searchDepth() {
        return shortfall.widens() ? shortfall.widenTo() : rangeMax;
    }

    /** {@link #searchDepth()} over a corpus of {@code rows} rows: widening stops at the corpus's last rank. */
    public int searchDepth(long rows) {
        return (int) Math.max(rangeMax, Math.min(searchDepth(), rows));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MiningConfig c && numNegatives == c.numNegatives && rangeMin == c.rangeMin
                && rangeMax == c.rangeMax && same(minScore, c.minScore) && same(maxScore, c.maxScore)
                && same(absoluteMargin, c.absoluteMargin) && same(relativeMargin, c.relativeMargin)
                && same(nearDuplicate, c.nearDuplicate) && same(minPositiveScore, c.minPositiveScore)
                && sampling.equals(c.sampling) && seed == c.seed && shortfall.equals(c.shortfall);
    }

    private static boolean same(double a, double b) {
        return Double.compare(a, b) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(numNegatives, rangeMin, rangeMax, minScore, maxScore, absoluteMargin,
                relativeMargin, nearDuplicate, minPositiveScore, sampling, seed, shortfall);
    }

    @Override
    public String toString() {
        return describe();
    }

    /**
     * The filters this configuration asks for, in their fixed order (rank window, score window, margins,
     * near-duplicates: the one that reads vectors runs last, on the fewest candidates).
     */
    public FilterChain filterChain() {
        return filterChain(rangeMin, rangeMax);
    }

    /**
     * The highest score a negative may have for an anchor whose (lowest) positive scores {@code reference}: the
     * lowest of {@code max-score} and the margins' caps; {@code +Inf} when none is set, NaN (nothing passes) for
     * a NaN positive score under a margin. Widening counts its skipped ranks from the first rank under it.
     */
    public double scoreCap(float reference) {
        double cap = new MarginFilter(absoluteMargin, relativeMargin).cap(reference);
        return Double.isNaN(maxScore) ? cap : Math.min(cap, maxScore);
    }

    /** The same filters over the ranks {@code [from, to)} instead of the rank window (a widened window). */
    public FilterChain filterChain(int from, int to) {
        return new FilterChain(List.of(
                new PositiveScoreFilter(minPositiveScore),
                new RankWindowFilter(from, to),
                new ScoreRangeFilter(minScore, maxScore),
                new MarginFilter(absoluteMargin, relativeMargin),
                new NearDuplicateFilter(nearDuplicate,
                        sampling.strategy() == SamplingStrategy.TOP ? numNegatives : Integer.MAX_VALUE)), numNegatives);
    }

    /** The sampler this configuration asks for. */
    public NegativeSampler sampler() {
        return switch (sampling.strategy()) {
            case TOP -> new TopSampler();
            case RANDOM -> new RandomSampler(seed);
            case SEMI_HARD -> new SemiHardSampler(sampling.semiHardMargin(), seed);
            case SIMANS -> new SimansSampler(sampling.simansA(), sampling.simansB(), seed);
        };
    }

    /** Every setting in force, one line, as the summary prints it. */
    public String describe() {
        return String.format(Locale.ROOT, "num-negatives=%d range=[%d, %d) min-score=%s max-score=%s "
                        + "absolute-margin=%s relative-margin=%s near-duplicate=%s sampling-strategy=%s seed=%d shortfall=%s%s",
                numNegatives, rangeMin, rangeMax, off(minScore), off(maxScore), off(absoluteMargin),
                off(relativeMargin), off(nearDuplicate), sampling.describe(), seed, shortfall.describe(),
                Double.isNaN(minPositiveScore) ? "" : " min-positive-score=" + minPositiveScore);
    }

    private static String off(double v) {
        return Double.isNaN(v) ? "off" : String.valueOf(v);
    }
}
