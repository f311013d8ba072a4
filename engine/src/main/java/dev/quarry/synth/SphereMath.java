package dev.quarry.synth;

import java.util.SplittableRandom;

/** Gaussian noise and normalization for the synthetic data sets. */
final class SphereMath {
    private SphereMath() {
    }

    /** Adds {@code sigma x N(0, 1)} to each of {@code v[off..off+d)}. */
    static void addGaussian(SplittableRandom random, float[] v, int off, int d, double sigma) {
        for (int k = 0; k < d; k++) {
            v[off + k] += (float) (sigma * random.nextGaussian());
        }
    }

    /** Scales {@code v[off..off+d)} to unit L2 norm (the sum in double, so no row overflows). */
    static void normalize(float[] v, int off, int d) {
        double sum = 0;
        for (int k = 0; k < d; k++) {
            sum += (double) v[off + k] * v[off + k];
        }
        float inv = (float) (1 / Math.sqrt(sum));
        for (int k = 0; k < d; k++) {
            v[off + k] *= inv;
        }
    }
}
