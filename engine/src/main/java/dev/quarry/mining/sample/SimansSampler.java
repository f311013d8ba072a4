package dev.quarry.mining.sample;

import dev.quarry.Seeds;
import dev.quarry.mining.candidate.AnchorContext;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.mining.candidate.Candidates;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * SimANS-style sampling (Zhou et al., 2022): n survivors drawn without replacement with probability
 * proportional to {@code exp(-a (s - s_pos - b)^2)}, so candidates scoring about {@code b} from the
 * positive are the most likely: not the hardest (often unlabelled positives), not the easiest
 * (uninformative). Weighted sampling without replacement by Efraimidis-Spirakis keys
 * {@code u^(1/w)}, seeded by the anchor. Without a known positive score it samples uniformly.
 */
public final class SimansSampler implements NegativeSampler {
    private final double a;
    private final double b;
    private final long seed;

    public SimansSampler(double a, double b, long seed) {
        this.a = a;
        this.b = b;
        this.seed = seed;
    }

    @Override
    public Shortfall sample(Candidates candidates, int n, AnchorContext anchor) {
        int size = candidates.size();
        SplittableRandom random = Seeds.random(seed, anchor.anchor());
        float positive = anchor.reference();
        if (!Float.isFinite(positive)) {
            RandomSampler.uniform(candidates, n, random);
            return Shortfall.NONE;
        }
        if (size <= n) {
            return Shortfall.NONE;
        }
        // Keys in log space: log(u) / w, larger is chosen; w = exp(-a d^2) may underflow, so compare
        // log(-log u) - log w = log(-log u) + a d^2, smaller is chosen.
        double[] keys = new double[size];
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            double d = candidates.score(i) - positive - b;
            keys[i] = Math.log(-Math.log(1 - random.nextDouble())) + a * d * d;
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(keys[x], keys[y]));
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) {
            positions[i] = order[i];
        }
        Arrays.sort(positions);
        candidates.keepPositions(positions, n);
        return Shortfall.NONE;
    }
}
