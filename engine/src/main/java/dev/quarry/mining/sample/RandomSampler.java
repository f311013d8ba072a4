package dev.quarry.mining.sample;

import dev.quarry.Seeds;
import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.mining.candidate.Candidates;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A uniform sample of n survivors, kept in rank order. The random stream is a function of the seed
 * and the anchor ordinal only, so the choice never depends on threads or block boundaries.
 */
public final class RandomSampler implements NegativeSampler {
    private final long seed;

    public RandomSampler(long seed) {
        this.seed = seed;
    }

    @Override
    public Shortfall sample(Candidates candidates, int n, AnchorContext anchor) {
        uniform(candidates, n, Seeds.random(seed, anchor.anchor()));
        return Shortfall.NONE;
    }

    /** Keeps a uniform n-subset of the candidates (all when fewer), in rank order. */
    static void uniform(Candidates candidates, int n, SplittableRandom random) {
        int size = candidates.size();
        if (size <= n) {
            return;
        }
        // Partial Fisher-Yates over positions: the first n slots end up a uniform n-subset.
        int[] positions = new int[size];
        for (int i = 0; i < size; i++) {
            positions[i] = i;
        }
        for (int i = 0; i < n; i++) {
            int j = i + random.nextInt(size - i);
            int t = positions[i];
            positions[i] = positions[j];
            positions[j] = t;
        }
        Arrays.sort(positions, 0, n);
        candidates.keepPositions(positions, n);
    }
}
