package dev.quarry.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Median, min and max of repeated measurements: this machine is noisy, so every figure is reported
 * with its spread.
 *
 * @param median the median
 * @param min the smallest
 * @param max the largest
 * @param n how many measurements
 */
public record Spread(double median, double min, double max, int n) {

    /** The spread of {@code values} (at least one). */
    public static Spread of(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no measurements");
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        return new Spread(median, v[0], v[v.length - 1], v.length);
    }

    /** Every value scaled by {@code factor}. */
    public Spread times(double factor) {
        return new Spread(median * factor, min * factor, max * factor, n);
    }

    /** {@code 12.3 [11.9-12.8]} with the given number of decimals. */
    public String format(int decimals) {
        String f = "%." + decimals + "f";
        return String.format(Locale.ROOT, f + " [" + f + "-" + f + "]", median, min, max);
    }

    @Override
    public String toString() {
        return format(1) + " (n=" + n + ")";
    }

    /** Convenience for tests and callers with arrays. */
    public static Spread of(double... values) {
        return of(Arrays.stream(values).boxed().toList());
    }
}
