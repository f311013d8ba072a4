package dev.quarry.eval.audit;

import java.util.Locale;

/**
 * Counts of values in equal-width bins over {@code [lo, hi)} (values outside are clamped into the end
 * bins and counted in {@code above} when beyond {@code hi}; NaN is ignored). Used for the score, rank and
 * per-anchor charts.
 *
 * @param lo lower edge
 * @param hi upper edge
 * @param counts count per bin
 * @param whole whether the values are whole numbers binned by whole-number widths (ranks, counts)
 * @param above values at or beyond {@code hi}, counted in the last bin
 */
public record Histogram(double lo, double hi, long[] counts, boolean whole, long above) {

    /** Bins {@code values} into {@code bins} bins over {@code [lo, hi]} (a value equal to {@code hi} is in the last). */
    public static Histogram of(double[] values, int bins, double lo, double hi) {
        long[] counts = new long[bins];
        double width = hi > lo ? (hi - lo) / bins : 1;
        long above = 0;
        for (double v : values) {
            if (Double.isNaN(v)) {
                continue;
            }
            above += v > hi ? 1 : 0;
            int b = (int) Math.floor((v - lo) / width);
            counts[Math.max(0, Math.min(bins - 1, b))]++;
        }
        return new Histogram(lo, hi, counts, false, above);
    }

    /**
     * Bins whole numbers from 0: bins of one value each while {@code end} fits in {@code maxBins}, wider
     * whole-number bins otherwise; values at or above {@code end} go to the last bin, counted in {@code above}.
     */
    public static Histogram ofWhole(double[] values, int maxBins, long end) {
        long width = Math.max(1, (end + maxBins - 1) / maxBins);
        int bins = (int) Math.max(1, (end + width - 1) / width);
        long[] counts = new long[bins];
        long above = 0;
        for (double v : values) {
            if (Double.isNaN(v)) {
                continue;
            }
            above += v >= end ? 1 : 0;
            long b = (long) Math.floor(v / width);
            counts[(int) Math.max(0, Math.min(bins - 1, b))]++;
        }
        return new Histogram(0, (double) bins * width, counts, true, above);
    }

    /** Lower edge of bin {@code b}. */
    public double edge(int b) {
        return lo + (hi - lo) * b / counts.length;
    }

    /**
     * What bin {@code b} holds, in words: {@code "3"}, {@code "3 to 5"}, {@code "9 or more"} (whole
     * numbers), or {@code "0.25 to 0.3"}.
     */
    public String range(int b) {
        if (!whole) {
            return number(edge(b)) + " to " + number(edge(b + 1));
        }
        long from = (long) edge(b);
        long to = (long) edge(b + 1) - 1;
        if (b == counts.length - 1 && above > 0) {
            return from + " or more";
        }
        return from == to ? Long.toString(from) : from + " to " + to;
    }

    /** A bin edge as a label: whole numbers as such, others to three significant digits. */
    public String number(double value) {
        return whole ? Long.toString((long) value) : String.format(Locale.ROOT, "%.3g", value);
    }

    /** Total count. */
    public long total() {
        long t = 0;
        for (long c : counts) {
            t += c;
        }
        return t;
    }

    /** Largest bin. */
    public long max() {
        long m = 0;
        for (long c : counts) {
            m = Math.max(m, c);
        }
        return m;
    }
}
