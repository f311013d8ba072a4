package dev.quarry.eval.audit;

/**
 * The Wilson score interval of a proportion: {@code k} successes in {@code n} trials, at confidence
 * given by {@code z} (1.96 for 95%). Unlike the normal approximation it stays inside [0, 1] and
 * behaves for small samples and proportions near 0, which is where false-negative rates live.
 *
 * @param estimate k / n
 * @param low lower bound
 * @param high upper bound
 */
public record WilsonInterval(double estimate, double low, double high) {
    /** z for a two-sided 95% interval. */
    public static final double Z95 = 1.959963984540054;

    /** The interval for {@code k} of {@code n} at {@code z}. */
    public static WilsonInterval of(long k, long n, double z) {
        if (n <= 0 || k < 0 || k > n) {
            throw new IllegalArgumentException("k=" + k + ", n=" + n + ", expected 0 <= k <= n, n >= 1");
        }
        double p = (double) k / n;
        double z2 = z * z;
        double denominator = 1 + z2 / n;
        double center = (p + z2 / (2.0 * n)) / denominator;
        double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
        return new WilsonInterval(p, Math.max(0, center - half), Math.min(1, center + half));
    }
}
