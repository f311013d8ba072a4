package dev.quarry.mining;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.mining.candidate.Candidates;
import dev.quarry.mining.filter.FilterChain;
import dev.quarry.mining.sample.NegativeSampler;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Rank window, score window and margins, in that order, with the shortfall they cause; then sampling. */
class FilterChainTest {
    // Ten candidates at ranks 0..9, ids 100..109, scores 0.9375, 0.875, ..., 0.375 (steps of 1/16: exact in float).
    private static Candidates candidates() {
        int[] ids = new int[10];
        float[] scores = new float[10];
        int[] ranks = new int[10];
        for (int i = 0; i < 10; i++) {
            ids[i] = 100 + i;
            scores[i] = 0.9375f - 0.0625f * i;
            ranks[i] = i;
        }
        Candidates c = new Candidates(10);
        c.load(ids, scores, ranks, 10);
        return c;
    }

    /** An anchor context with this reference positive score and no vectors. */
    private static AnchorContext ctx(float reference) {
        return ctx(0, reference);
    }

    private static AnchorContext ctx(int anchor, float reference) {
        return new AnchorContext(anchor, new int[0], new float[] {reference}, reference, null, null);
    }

    private static int[] ids(Candidates c) {
        return c.ids(c.size());
    }

    @Test
    void rankWindowKeepsRangeMinUpToRangeMax() {
        MiningConfig config = MiningConfig.defaults().withoutFilters().withNumNegatives(2).withRange(3, 6);
        Candidates c = candidates();
        assertEquals(Shortfall.NONE, config.filterChain().apply(c, ctx(0.95f)));
        assertArrayEquals(new int[] {103, 104, 105}, ids(c));
    }

    @Test
    void scoreWindowIsInclusive() {
        MiningConfig config = MiningConfig.defaults().withoutFilters().withNumNegatives(4)
                .withScoreRange(0.625, 0.8125);
        Candidates c = candidates();
        assertEquals(Shortfall.NONE, config.filterChain().apply(c, ctx(1f)));
        assertArrayEquals(new int[] {102, 103, 104, 105}, ids(c), "0.8125 .. 0.625, both bounds kept");
    }

    @Test
    void absoluteAndRelativeMarginsCompareWithThePositive() {
        Candidates abs = candidates();
        MiningConfig absolute = MiningConfig.defaults().withoutFilters().withAbsoluteMargin(0.125);
        absolute.filterChain().apply(abs, ctx(0.8125f)); // keep <= 0.6875, inclusive
        assertEquals(104, abs.id(0));
        assertEquals(6, abs.size());
        Candidates rel = candidates();
        MiningConfig relative = MiningConfig.defaults().withoutFilters().withRelativeMargin(0.25);
        relative.filterChain().apply(rel, ctx(0.75f)); // keep <= 0.5625, inclusive
        assertEquals(106, rel.id(0));
        assertEquals(4, rel.size());
    }

    @Test
    void reportsTheFirstStageThatLeftTooFew() {
        MiningConfig window = MiningConfig.defaults().withoutFilters().withNumNegatives(5).withRange(7, 100);
        assertEquals(Shortfall.RANK_WINDOW, window.filterChain().apply(candidates(), ctx(1f)));
        MiningConfig score = MiningConfig.defaults().withoutFilters().withNumNegatives(5).withScoreRange(0.8, 1.0);
        // 0.9375, 0.875, 0.8125 are left: 3 < 5
        assertEquals(Shortfall.SCORE_RANGE, score.filterChain().apply(candidates(), ctx(1f)));
        // relative margin 0.05 of a low positive
        MiningConfig margin = MiningConfig.defaults().withRange(0, 100).withNumNegatives(5);
        assertEquals(Shortfall.MARGIN, margin.filterChain().apply(candidates(), ctx(0.55f)));
    }

    @Test
    void aNanPositiveScoreLeavesNoNegativeUnderAMargin() {
        Candidates c = candidates();
        MiningConfig config = MiningConfig.defaults().withRange(0, 100);
        assertEquals(Shortfall.MARGIN, config.filterChain().apply(c, ctx(Float.NaN)));
        assertEquals(0, c.size());
    }

    @Test
    void randomSamplingIsSeededByAnchorAndKeepsRankOrder() {
        MiningConfig config = MiningConfig.defaults().withSampling(SamplingStrategy.RANDOM).withNumNegatives(3);
        Set<String> seen = new HashSet<>();
        for (int anchor = 0; anchor < 40; anchor++) {
            Candidates a = candidates();
            config.sampler().sample(a, 3, ctx(anchor, 1f));
            Candidates b = candidates();
            config.sampler().sample(b, 3, ctx(anchor, 1f));
            assertArrayEquals(ids(a), ids(b), "same seed and anchor, same sample");
            assertEquals(3, a.size());
            assertEquals(true, a.rank(0) < a.rank(1) && a.rank(1) < a.rank(2), "rank order");
            seen.add(Arrays.toString(ids(a)));
        }
        assertEquals(true, seen.size() > 20, "different anchors get different samples: " + seen.size());
        Candidates top = candidates();
        config.withSampling(SamplingStrategy.TOP).sampler().sample(top, 3, ctx(0, 1f));
        assertArrayEquals(new int[] {100, 101, 102}, ids(top));
    }
}
