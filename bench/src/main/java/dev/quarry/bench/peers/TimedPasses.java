package dev.quarry.bench.peers;

import java.util.Locale;

/**
 * Times passes over all queries: untimed warm-up passes (JIT compilation, page faults of the mapped
 * files, lazily built structures) until {@link #WARM_UP_NANOS} have passed (at least one pass; a
 * JIT compiles a loop only after thousands of iterations, which a 50 ms pass may not reach), then
 * {@code runs} passes timed with {@link System#nanoTime()}. Each pass is printed to stderr with its
 * query rate, so a long run shows progress.
 */
public final class TimedPasses {
    /** Minimum warm-up time, the same for every JVM contender. */
    static final long WARM_UP_NANOS = 2_000_000_000L;

    private TimedPasses() {
    }

    /** Runs {@code pass} untimed for the warm-up and {@code runs} times timed; returns the timed seconds. */
    public static double[] run(String what, int queries, int runs, Runnable pass) {
        long start = System.nanoTime();
        int warmUps = 0;
        do {
            pass.run();
            warmUps++;
        } while (System.nanoTime() - start < WARM_UP_NANOS);
        System.err.printf(Locale.ROOT, "%s: warm-up %d pass(es), %.2f s%n", what, warmUps,
                (System.nanoTime() - start) / 1e9);
        double[] seconds = new double[runs];
        for (int r = 0; r < runs; r++) {
            start = System.nanoTime();
            pass.run();
            seconds[r] = (System.nanoTime() - start) / 1e9;
            System.err.printf(Locale.ROOT, "%s: run %d %.3f s, %.0f queries/s%n", what, r + 1, seconds[r],
                    queries / seconds[r]);
        }
        return seconds;
    }
}
