package dev.quarry;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of a long job on stderr: done/total, rate and ETA, at most one line every
 * {@code interval}, plus a closing line. Quiet jobs (under one interval) print only the closing line.
 * {@link #advance} is thread-safe and cheap (one atomic add, a clock read every call).
 */
public final class Progress {
    private final String what;
    private final String unit;
    private final long total;
    private final PrintWriter out;
    private final long intervalNanos;
    private final long start;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong nextReport;
    private final long startDone;

    /**
     * @param what the job, e.g. {@code import corpus.npy}
     * @param unit what is counted, e.g. {@code rows}
     * @param total how many there are (0 when unknown)
     * @param out where lines go (stderr), or null to stay silent
     */
    public Progress(String what, String unit, long total, PrintWriter out) {
        this(what, unit, total, out, 2_000_000_000L, 0);
    }

    /** As above, with the report interval, and {@code alreadyDone} units done by an earlier run (resume). */
    public Progress(String what, String unit, long total, PrintWriter out, long intervalNanos, long alreadyDone) {
        this(what, unit, total, out, intervalNanos, alreadyDone, System.nanoTime());
    }

    /**
     * As above, the job having started at {@code startNanos} ({@link System#nanoTime}): rates and the closing
     * line's time count from there (a job whose units are counted only after its work, as Spark's ordered fetch).
     */
    public Progress(String what, String unit, long total, PrintWriter out, long intervalNanos, long alreadyDone,
                    long startNanos) {
        this.start = startNanos;
        this.what = what;
        this.unit = unit;
        this.total = total;
        this.out = out;
        this.intervalNanos = intervalNanos;
        this.nextReport = new AtomicLong(start + intervalNanos);
        this.startDone = alreadyDone;
        this.done.set(alreadyDone);
    }

    /** A progress that prints nothing. */
    public static Progress silent() {
        return new Progress("", "", 0, null);
    }

    /** Counts {@code n} more units done and prints a line if one is due. */
    public void advance(long n) {
        long now = done.addAndGet(n);
        if (out == null) {
            return;
        }
        long t = System.nanoTime();
        long due = nextReport.get();
        if (t >= due && nextReport.compareAndSet(due, t + intervalNanos)) {
            out.println(line(now, t, false));
        }
    }

    /** Units done so far. */
    public long done() {
        return done.get();
    }

    /** Seconds since the start. */
    public double elapsedSeconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Units per second since the start (this run's units only, on resume). */
    public double rate() {
        double s = elapsedSeconds();
        return s > 0 ? (done.get() - startDone) / s : 0;
    }

    /** Prints the closing line. */
    public void finish() {
        if (out != null) {
            out.println(line(done.get(), System.nanoTime(), true));
        }
    }

    private String line(long now, long t, boolean closing) {
        double seconds = (t - start) / 1e9;
        double rate = seconds > 0 ? (now - startDone) / seconds : 0;
        StringBuilder sb = new StringBuilder(what).append(": ");
        sb.append(String.format(Locale.ROOT, "%,d", now));
        if (total > 0) {
            sb.append(String.format(Locale.ROOT, "/%,d %s (%.1f%%)", total, unit, 100.0 * now / total));
        } else {
            sb.append(' ').append(unit);
        }
        sb.append(", ").append(rate(rate, unit));
        if (closing) {
            sb.append(String.format(Locale.ROOT, ", done in %s", duration(seconds)));
        } else if (total > 0 && rate > 0) {
            sb.append(", ETA ").append(duration((total - now) / rate));
        }
        return sb.toString();
    }

    /**
     * A rate in the unit that keeps its figure readable: {@code 12.3k rows/s}, {@code 2.41 adapters/s},
     * {@code 18.0 adapters/min} below one a second, {@code 7.50 adapters/h} below one a minute, and
     * {@code 0 rows/s} when nothing is done yet.
     */
    public static String rate(double perSecond, String unit) {
        if (perSecond > 0 && perSecond < 1.0 / 60) {
            return human(perSecond * 3600) + " " + unit + "/h";
        }
        if (perSecond > 0 && perSecond < 1) {
            return human(perSecond * 60) + " " + unit + "/min";
        }
        return human(perSecond) + " " + unit + "/s";
    }

    /** 1234567 -> "1.23M", 41 -> "41", 2.4137 -> "2.41", 0.0123 -> "0.0123": three significant digits below 10. */
    public static String human(double value) {
        if (value >= 1e9) {
            return String.format(Locale.ROOT, "%.2fG", value / 1e9);
        }
        if (value >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", value / 1e6);
        }
        if (value >= 1e4) {
            return String.format(Locale.ROOT, "%.1fk", value / 1e3);
        }
        if (value >= 10 || value == 0 || !Double.isFinite(value)) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        // Below 10 a whole number hides the rate (a job at 0.4 units/s printed "0"): three significant digits.
        int decimals = Math.min(6, Math.max(2, 2 - (int) Math.floor(Math.log10(Math.abs(value)))));
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** Seconds as {@code 1:02:03}, {@code 2:03} or {@code 4.5s}. */
    public static String duration(double seconds) {
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1fs", seconds);
        }
        long s = Math.round(seconds);
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
