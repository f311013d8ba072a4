package dev.quarry.mining;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Candidates;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import org.junit.jupiter.api.Test;

/** min_positive_score: an anchor whose positive scores below the floor gets no negatives, and says why. */
class PositiveScoreFloorTest {
    private static Candidates candidates(int n) {
        int[] ids = new int[n];
        float[] scores = new float[n];
        int[] ranks = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i + 1;
            scores[i] = 0.3f - i / 1000f;
            ranks[i] = i;
        }
        Candidates c = new Candidates(n);
        c.load(ids, scores, ranks, n);
        return c;
    }

    private static Shortfall mine(MiningConfig config, float positive, Candidates c) {
        return config.filterChain().apply(c, new AnchorContext(0, new int[0], new float[] {positive}, positive,
                null, null));
    }

    private static MiningConfig floor(double s) {
        return MiningConfig.of(MineOptions.builder().set(MineSettings.RANGE_MIN, 0)
                .set(MineSettings.RELATIVE_MARGIN, Double.NaN).set(MineSettings.NEAR_DUPLICATE, Double.NaN)
                .set(MineSettings.MIN_POSITIVE_SCORE, s).build());
    }

    @Test
    void anAnchorWhosePositiveScoresBelowTheFloorGetsNoNegativesForThatReason() {
        Candidates low = candidates(50);
        assertEquals(Shortfall.POSITIVE_SCORE, mine(floor(0.5), 0.4f, low));
        assertEquals(0, low.size());
    }

    @Test
    void anAnchorAtOrAboveTheFloorIsMinedAsWithoutIt() {
        Candidates at = candidates(50);
        assertEquals(Shortfall.NONE, mine(floor(0.5), 0.5f, at));
        Candidates off = candidates(50);
        MiningConfig none = floor(Double.NaN);
        assertEquals(Shortfall.NONE, mine(none, 0.5f, off));
        assertEquals(off.size(), at.size());
        assertTrue(Double.isNaN(MiningConfig.defaults().minPositiveScore()), "off by default");
    }

    @Test
    void anUnknownPositiveScorePassesTheFloor() {
        Candidates unknown = candidates(50);
        assertEquals(Shortfall.NONE, mine(floor(0.5), Float.POSITIVE_INFINITY, unknown));
        assertEquals(50, unknown.size());
    }

    @Test
    void theFloorShowsInTheSettingsLineOnlyWhenOn() {
        assertTrue(floor(0.25).describe().endsWith(" min-positive-score=0.25"), floor(0.25).describe());
        assertTrue(MiningConfig.defaults().describe().endsWith("seed=42 shortfall=leave-out"),
                MiningConfig.defaults().describe());
    }
}
