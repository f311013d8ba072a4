package dev.quarry.bench.latency;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Times repeated calls of one operation, as a trainer makes them: closed loop (the next call starts
 * when the last returns) or at a fixed rate, where each call is timed from when it was due, not from
 * when it started, so a slow call also counts against the calls it delayed (no coordinated
 * omission). Records into an HdrHistogram (nanoseconds, 3 significant digits), and the bytes the
 * process allocated per call (every thread, the pool's included).
 */
public final class CallLatency {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** One measured series. */
    public record Series(String mode, Histogram histogram, long calls, double seconds, double bytesPerCall) {
        /** Calls per second the series sustained. */
        public double callsPerSecond() {
            return calls / seconds;
        }

        /** A percentile in milliseconds. */
        public double millis(double percentile) {
            return histogram.getValueAtPercentile(percentile) / 1e6;
        }

        /** The largest value in milliseconds. */
        public double maxMillis() {
            return histogram.getMaxValue() / 1e6;
        }

        /** {@code p50/p99/p99.9/max} in milliseconds, for tables. */
        public String describe() {
            return String.format(Locale.ROOT, "%.3f / %.3f / %.3f / %.3f", millis(50), millis(99), millis(99.9),
                    maxMillis());
        }
    }

    private CallLatency() {
    }

    /** {@code calls} calls back to back. */
    public static Series closedLoop(long calls, Runnable call) {
        Histogram h = new Histogram(3_600_000_000_000L, 3);
        long allocated = allocated();
        long start = System.nanoTime();
        for (long i = 0; i < calls; i++) {
            long t = System.nanoTime();
            call.run();
            h.recordValue(System.nanoTime() - t);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Series("closed loop", h, calls, seconds, (double) (allocated() - allocated) / calls);
    }

    /** {@code calls} calls due every {@code 1e9 / rate} ns, each timed from when it was due. */
    public static Series fixedRate(long calls, double rate, Runnable call) {
        return fixedRate(calls, rate, call, null);
    }

    /** As {@link #fixedRate(long, double, Runnable)}, telling {@code counters} (may be null) after each call. */
    static Series fixedRate(long calls, double rate, Runnable call, OsCounters counters) {
        Histogram h = new Histogram(3_600_000_000_000L, 3);
        long interval = (long) (1e9 / rate);
        long allocated = allocated();
        long start = System.nanoTime();
        for (long i = 0; i < calls; i++) {
            long due = start + i * interval;
            long now;
            while ((now = System.nanoTime()) < due) {
                long wait = due - now;
                if (wait > 200_000) {
                    LockSupport.parkNanos(wait - 100_000);
                } else {
                    Thread.onSpinWait();
                }
            }
            call.run();
            long latency = System.nanoTime() - due;
            h.recordValue(latency);
            if (counters != null) {
                counters.after(i, (due - start) / 1e6, latency);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Series(String.format(Locale.ROOT, "fixed %.0f/s", rate), h, calls, seconds,
                (double) (allocated() - allocated) / calls);
    }

    /** Bytes allocated so far by every thread of the process. */
    static long allocated() {
        return THREADS.getTotalThreadAllocatedBytes();
    }
}
