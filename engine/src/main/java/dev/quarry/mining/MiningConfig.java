package dev.quarry.mining;

import dev.quarry.QuarryUsageException;
import dev.quarry.mining.filter.FilterChain;
import dev.quarry.mining.filter.MarginFilter;
import dev.quarry.mining.filter.NearDuplicateFilter;
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
 * What to mine per anchor, with the names users know from sentence-transformers'
 * {@code mine_hard_negatives}. Ranks are 0-based among the corpus rows left after excluding the
 * anchor's positives, known positives and (for corpus anchors) the anchor itself; the rank window
 * {@code [rangeMin, rangeMax)} is applied first, then the score window, then the margins to the
 * positive (the lowest-scoring labelled positive when there are several), then the near-duplicate
 * filter, then sampling.
 *
 * <p>Defaults are defensive, because the hardest ranks hold most unlabelled positives: the 10 hardest
 * ranks are skipped ({@code rangeMin = 10}), negatives must score at most 95% of the positive
 * ({@code relativeMargin = 0.05}, NV-Retriever's TopK-PercPos), and candidates whose cosine to a
 * positive is 0.9 or more are dropped ({@code nearDuplicate}), and an anchor they leave with fewer negatives
 * than asked is left out ({@code shortfall}). The evidence is in docs/defences.md.
 * {@link #withoutFilters} gives sentence-transformers' plain top-k shape.
 *
 * @param numNegatives negatives wanted per anchor
 * @param rangeMin first rank considered (skips the hardest ranks)
 * @param rangeMax rank after the last one considered (also how deep the index searches)
 * @param minScore drop negatives scoring below this (NaN: off)
 * @param maxScore drop negatives scoring above this (NaN: off)
 * @param absoluteMargin keep negatives with {@code score <= positive - m} (NaN: off)
 * @param relativeMargin keep negatives with {@code score <= positive * (1 - m)} (NaN: off)
 * @param nearDuplicate drop candidates with cosine to any positive {@code >= t} (NaN: off; needs vectors)
 * @param sampling how the negatives are picked among the survivors
 * @param seed seed of every random choice, mixed with the anchor ordinal
 * @param shortfall what happens to anchors the filters leave with fewer negatives than asked
 */
public record MiningConfig(int numNegatives, int rangeMin, int rangeMax, double minScore, double maxScore,
                           double absoluteMargin, double relativeMargin, double nearDuplicate, Sampling sampling,
                           long seed, ShortfallPolicy shortfall) {
    /** Default near-duplicate threshold (settled by the evidence table in docs/defences.md). */
    public static final double DEFAULT_NEAR_DUPLICATE = 0.9;

    /** Default first rank considered: the hardest ranks are skipped. */
    public static final int DEFAULT_RANGE_MIN = 10;

    /**
     * Default shortfall policy: anchors the filters leave short are left out ({@code quarry tune}'s evidence in
     * docs/defences.md: never far from the best held-out recall, and no anchor trained without a negative).
     */
    public static final ShortfallPolicy DEFAULT_SHORTFALL = new ShortfallPolicy(0, true);

    /**
     * The defaults: 3 negatives from ranks [10, 100), relative margin 0.05, near-duplicates 0.9, top
     * sampling, seed 42, anchors left short left out.
     */
    public static MiningConfig defaults() {
        return new MiningConfig(3, DEFAULT_RANGE_MIN, 100, Double.NaN, Double.NaN, Double.NaN, 0.05,
                DEFAULT_NEAR_DUPLICATE, Sampling.of(SamplingStrategy.TOP), 42, DEFAULT_SHORTFALL);
    }

    /**
     * sentence-transformers' shape: ranks from 0, no filter, every anchor kept (the rank window's end and
     * sampling stay).
     */
    public MiningConfig withoutFilters() {
        return new MiningConfig(numNegatives, 0, rangeMax, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, sampling, seed, ShortfallPolicy.KEEP);
    }

    /** A configuration whose short anchors keep what they got ({@link ShortfallPolicy#KEEP}). */
    public MiningConfig(int numNegatives, int rangeMin, int rangeMax, double minScore, double maxScore,
                        double absoluteMargin, double relativeMargin, double nearDuplicate, Sampling sampling,
                        long seed) {
        this(numNegatives, rangeMin, rangeMax, minScore, maxScore, absoluteMargin, relativeMargin, nearDuplicate,
                sampling, seed, ShortfallPolicy.KEEP);
    }

    public MiningConfig {
        if (numNegatives < 1) {
            throw new QuarryUsageException("numNegatives", numNegatives, ">= 1");
        }
        if (rangeMin < 0 || rangeMax <= rangeMin) {
            throw new QuarryUsageException("rangeMin=" + rangeMin + " rangeMax=" + rangeMax
                    + ", expected 0 <= rangeMin < rangeMax");
        }
        if (numNegatives > rangeMax - rangeMin) {
            throw new QuarryUsageException("numNegatives", numNegatives, "at most rangeMax - rangeMin = "
                    + (rangeMax - rangeMin) + " (the rank window holds no more candidates)");
        }
        if (!Double.isNaN(minScore) && !Double.isNaN(maxScore) && minScore > maxScore) {
            throw new QuarryUsageException("minScore=" + minScore + " maxScore=" + maxScore
                    + ", expected minScore <= maxScore");
        }
        if (!Double.isNaN(absoluteMargin) && absoluteMargin < 0) {
            throw new QuarryUsageException("absoluteMargin", absoluteMargin, ">= 0");
        }
        if (!Double.isNaN(relativeMargin) && (relativeMargin < 0 || relativeMargin >= 1)) {
            throw new QuarryUsageException("relativeMargin", relativeMargin, "0 <= m < 1");
        }
        if (!Double.isNaN(nearDuplicate) && (nearDuplicate <= -1 || nearDuplicate > 1)) {
            throw new QuarryUsageException("nearDuplicate", nearDuplicate, "-1 < t <= 1");
        }
        if (sampling == null) {
            throw new QuarryUsageException("sampling", null, "top, random, semi-hard or simans");
        }
        if (shortfall == null) {
            shortfall = ShortfallPolicy.KEEP;
        }
        if (shortfall.widens() && shortfall.widenTo() <= rangeMax) {
            throw new QuarryUsageException("widenTo", shortfall.widenTo(), "a rank > rangeMax=" + rangeMax
                    + " (short anchors take candidates from ranks [rangeMax, widenTo)), or off");
        }
    }

    public MiningConfig withNumNegatives(int n) {
        return new MiningConfig(n, rangeMin, rangeMax, minScore, maxScore, absoluteMargin, relativeMargin,
                nearDuplicate, sampling, seed, shortfall);
    }

    public MiningConfig withRange(int min, int max) {
        return new MiningConfig(numNegatives, min, max, minScore, maxScore, absoluteMargin, relativeMargin,
                nearDuplicate, sampling, seed, shortfall);
    }

    public MiningConfig withScoreRange(double min, double max) {
        return new MiningConfig(numNegatives, rangeMin, rangeMax, min, max, absoluteMargin, relativeMargin,
                nearDuplicate, sampling, seed, shortfall);
    }

    public MiningConfig withAbsoluteMargin(double m) {
        return new MiningConfig(numNegatives, rangeMin, rangeMax, minScore, maxScore, m, relativeMargin,
                nearDuplicate, sampling, seed, shortfall);
    }

    public MiningConfig withRelativeMargin(double m) {
        return new MiningConfig(numNegatives, rangeMin, rangeMax, minScore, maxScore, absoluteMargin, m,
                nearDuplicate, sampling, seed, shortfall);
    }

    public MiningConfig withNearDuplicate(double t) {
        return new MiningConfig(numNegatives, rangeMin, rangeMax, minScore, maxScore, absoluteMargin, relativeMargin,
                t, sampling, seed, shortfall);
    }

    public MiningConfig withSampling(SamplingStrategy s) {
        return withSampling(Sampling.of(s));
    }

    public MiningConfig withSampling(Sampling s) {
        return new MiningConfig(numNegatives, rangeMin, rangeMax, minScore, maxScore, absoluteMargin, relativeMargin,
                nearDuplicate, s, seed, shortfall);
    }

    public MiningConfig withSeed(long s) {
        return new MiningConfig(numNegatives, rangeMin, rangeMax, minScore, maxScore, absoluteMargin, relativeMargin,
                nearDuplicate, sampling, s, shortfall);
    }

    public MiningConfig withShortfall(ShortfallPolicy policy) {
        return new MiningConfig(numNegatives, rangeMin, rangeMax, minScore, maxScore, absoluteMargin, relativeMargin,
                nearDuplicate, sampling, seed, policy);
    }

    /** How deep a source is searched: {@code rangeMax}, or the rank short anchors widen to. */
    public int searchDepth() {
        return shortfall.widens() ? shortfall.widenTo() : rangeMax;
    }

    /** {@link #searchDepth()} over a corpus of {@code rows} rows: widening stops at the corpus's last rank. */
    public int searchDepth(long rows) {
        return (int) Math.max(rangeMax, Math.min(searchDepth(), rows));
    }

    /**
     * The filters this configuration asks for, in their fixed order (rank window, score window, margins,
     * near-duplicates: the one that reads vectors runs last, on the fewest candidates).
     */
    public FilterChain filterChain() {
        return filterChain(rangeMin, rangeMax);
    }

    /** The same filters over the ranks {@code [from, to)} instead of the rank window (a widened window). */
    public FilterChain filterChain(int from, int to) {
        return new FilterChain(List.of(
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
                        + "absolute-margin=%s relative-margin=%s near-duplicate=%s sampling-strategy=%s seed=%d shortfall=%s",
                numNegatives, rangeMin, rangeMax, off(minScore), off(maxScore), off(absoluteMargin),
                off(relativeMargin), off(nearDuplicate), sampling.describe(), seed, shortfall.describe());
    }

    private static String off(double v) {
        return Double.isNaN(v) ? "off" : String.valueOf(v);
    }
}
