package dev.quarry.mining;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.io.SoftLabels;
import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.mining.candidate.Candidates;
import dev.quarry.mining.filter.NearDuplicateFilter;
import dev.quarry.mining.sample.NegativeSampler;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernelsProvider;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The near-duplicate filter, semi-hard and SimANS sampling, soft labels. */
class DefencesTest {

    private static Candidates candidates(float... scores) {
        int n = scores.length;
        int[] ids = new int[n];
        int[] ranks = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i + 1;
            ranks[i] = i;
        }
        Candidates c = new Candidates(n);
        c.load(ids, scores, ranks, n);
        return c;
    }

    private static AnchorContext anchor(int ordinal, float positive) {
        return new AnchorContext(ordinal, new int[0], new float[] {positive}, positive, null, null);
    }

    @Test
    void nearDuplicateFilterStoppingAfterTheSamplersShareKeepsWhatTheFullFilterKeepsFirst() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(4);
        float[][] rows = dev.quarry.testing.TestVectors.rows(random, 300, 8);
        // Copies of the positive (row 0) scattered among the candidates: some are dropped before the 5th survivor.
        for (int r = 1; r < 300; r += 7) {
            rows[r] = rows[0].clone();
        }
        for (boolean unit : new boolean[] {false, true}) {
            float[][] stored = unit ? dev.quarry.testing.TestVectors.normalized(rows) : rows;
            try (VectorStore corpus = VectorStore.copyOf("c", stored, unit)) {
                int[] ids = new int[299];
                float[] scores = new float[299];
                int[] ranks = new int[299];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = i + 1;
                    scores[i] = 1f - i / 1000f;
                    ranks[i] = i;
                }
                AnchorContext ctx = new AnchorContext(0, new int[] {0}, new float[] {1}, 1, corpus,
                        VectorKernelsProvider.get());
                Candidates all = new Candidates(299);
                all.load(ids, scores, ranks, 299);
                new NearDuplicateFilter(0.9).apply(all, ctx);
                Candidates first = new Candidates(299);
                first.load(ids, scores, ranks, 299);
                new NearDuplicateFilter(0.9, 5).apply(first, ctx);
                assertEquals(5, first.size());
                assertArrayEquals(java.util.Arrays.copyOf(all.ids(all.size()), 5), first.ids(5),
                        "the first five survivors, unit norm " + unit);
                assertTrue(all.size() < 299 - 30, "copies were dropped: " + all.size());
            }
        }
    }

    @Test
    void nearDuplicateFilterDropsCandidatesByCosineToAnyPositive() {
        // row 0 is the positive; rows 1..4 at cosine 1.0, 0.95, 0.8 and 0 to it (norms differ on purpose)
        float[][] rows = {{1, 0}, {3, 0}, {0.95f, (float) Math.sqrt(1 - 0.95 * 0.95)},
            {0.8f * 2, 0.6f * 2}, {0, 5}};
        try (VectorStore corpus = VectorStore.copyOf("c", rows, false)) {
            Candidates c = candidates(0.9f, 0.8f, 0.7f, 0.6f);
            AnchorContext ctx = new AnchorContext(0, new int[] {0}, new float[] {1}, 1, corpus,
                    VectorKernelsProvider.get());
            new NearDuplicateFilter(0.9).apply(c, ctx);
            assertArrayEquals(new int[] {3, 4}, c.ids(c.size()), "cosine 1.0 and 0.95 dropped, 0.8 and 0 kept");
        }
    }

    @Test
    void semiHardKeepsOnlyScoresJustBelowThePositive() {
        MiningConfig config = MiningConfig.defaults().withSampling(new Sampling(SamplingStrategy.SEMI_HARD, 0.2, 20,
                -0.1)).withNumNegatives(3);
        Candidates c = candidates(0.95f, 0.85f, 0.75f, 0.65f, 0.55f, 0.45f);
        Shortfall s = config.sampler().sample(c, 3, anchor(7, 0.8f));
        assertEquals(Shortfall.SAMPLER, s, "only 0.75 and 0.65 are in [0.6, 0.8)");
        assertArrayEquals(new int[] {3, 4}, c.ids(c.size()));
    }

    @Test
    void simansPrefersScoresNearThePositivePlusBAndIsSeeded() {
        MiningConfig config = MiningConfig.defaults().withSampling(SamplingStrategy.SIMANS).withNumNegatives(1);
        Map<Integer, Integer> picks = new HashMap<>();
        for (int a = 0; a < 2000; a++) {
            Candidates c = candidates(0.85f, 0.7f, 0.4f, 0.1f);
            config.sampler().sample(c, 1, anchor(a, 0.8f));
            picks.merge(c.id(0), 1, Integer::sum);
            Candidates again = candidates(0.85f, 0.7f, 0.4f, 0.1f);
            config.sampler().sample(again, 1, anchor(a, 0.8f));
            assertEquals(c.id(0), again.id(0), "seeded by the anchor");
        }
        // weights exp(-20 d^2) with d = s - 0.8 + 0.1: 0.85 -> 0.88, 0.7 -> 1.0, 0.4 -> 0.29, 0.1 -> 0.0
        assertTrue(picks.getOrDefault(2, 0) > picks.getOrDefault(1, 0), picks.toString());
        assertTrue(picks.getOrDefault(1, 0) > picks.getOrDefault(3, 0), picks.toString());
        assertTrue(picks.getOrDefault(4, 0) < 20, picks.toString());
    }

    @Test
    void samplingParametersOutOfRangeAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Sampling(SamplingStrategy.SIMANS, 0.2, 0, -0.1));
        assertEquals("simans_a=0.0, expected 0 < a <= 1e6", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Sampling(SamplingStrategy.SIMANS, 0.2, 20, 3));
        assertEquals("simans_b=3.0, expected -2 <= b <= 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Sampling(SamplingStrategy.SEMI_HARD, 0, 20, 0));
        assertEquals("semi_hard_margin=0.0, expected 0 < m <= 2", e.getMessage());
    }

    @Test
    void softLabelsWeighNegativesByTheirGapToThePositive() {
        assertEquals(0.5, SoftLabels.weight(0.8f, 0.8f, 0.05), 1e-12);
        assertEquals(1 / (1 + Math.exp(-0.2 / 0.05)), SoftLabels.weight(0.8f, 0.6f, 0.05), 1e-6);
        assertTrue(SoftLabels.weight(0.8f, 0.9f, 0.05) < 0.5, "above the positive: less than even");
        assertEquals(1.0, SoftLabels.weight(Float.POSITIVE_INFINITY, 0.3f, 0.05), "unknown positive: a plain negative");
    }
}
