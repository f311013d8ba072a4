package dev.quarry;

/**
 * The one place where Quarry reads its test hooks: system properties that tests set to slow a run down or
 * make it fail part-way, so a kill, a retry or a resume can be tested. None is a command-line option or a
 * field of a public record; unset (as always outside tests), every hook is off. Each is read when used, so
 * a test that runs commands in its own JVM can set and clear it around one run.
 *
 * <ul>
 *   <li>{@value #PAUSE_PER_BLOCK_MS}: milliseconds the mining pipeline's writer pauses after each block
 *       written (a test kills the run mid-way);</li>
 *   <li>{@value #FAIL_TASK} and {@value #FAIL_ATTEMPTS}: the Spark mining task that fails after its first
 *       block, and in how many of its first attempts (Spark must retry it, or the run dies);</li>
 *   <li>{@value #STOP_AFTER_WINDOWS}: {@code quarry embed} fails after this many windows, as a kill would;</li>
 *   <li>{@value #HOLD_MINE_CALLS}: a path; {@code quarry serve} holds each admitted mine call until a file
 *       of that name exists, after creating {@code PATH.held} (a test in another process knows the call is in
 *       flight, sends SIGTERM, then releases it: no timing).</li>
 *   <li>{@value #SPIN_MINE_CALLS}: while set, {@code quarry serve}'s admitted mine calls keep the thread that
 *       mines them busy (they spin, never park), as a CPU-bound search does; a test in the same JVM clears it
 *       to let them go on.</li>
 *   <li>{@value #SPARK_PAUSE_DIR}: a directory; a Spark mining task's first attempt, one block in, writes
 *       {@code task-P-pid-PID} there and waits for a file {@code go} (a test kills that executor JVM mid-stage).</li>
 * </ul>
 */
public final class TestHooks {
    /** System property: pause after each mined block, in milliseconds. */
    public static final String PAUSE_PER_BLOCK_MS = "quarry.test.pause-per-block-ms";
    /** System property: the Spark mining task (partition) that fails. */
    public static final String FAIL_TASK = "quarry.test.fail-task";
    /** System property: how many of that task's first attempts fail (default 1). */
    public static final String FAIL_ATTEMPTS = "quarry.test.fail-attempts";
    /** System property: windows {@code quarry embed} writes before it fails. */
    public static final String STOP_AFTER_WINDOWS = "quarry.test.stop-after-windows";

    /** System property: the release file of held mine calls. */
    public static final String HOLD_MINE_CALLS = "quarry.test.hold-mine-calls";

    /** System property: while set, admitted mine calls spin on the thread that mines them. */
    public static final String SPIN_MINE_CALLS = "quarry.test.spin-mine-calls";

    /** System property: the directory of the Spark pause hook. */
    public static final String SPARK_PAUSE_DIR = "quarry.test.spark-pause-dir";

    private TestHooks() {
    }

    /** The pause after each block written, in nanoseconds (0: none). */
    public static long pauseNanosPerBlock() {
        return Long.getLong(PAUSE_PER_BLOCK_MS, 0) * 1_000_000L;
    }

    /** The Spark mining task whose first attempts fail, or -1. */
    public static int failTask() {
        return Integer.getInteger(FAIL_TASK, -1);
    }

    /** How many attempts of {@link #failTask()} fail. */
    public static int failAttempts() {
        return Integer.getInteger(FAIL_ATTEMPTS, 1);
    }

    /** The directory of the Spark pause hook, or null. */
    public static String sparkPauseDir() {
        return System.getProperty(SPARK_PAUSE_DIR);
    }

    /** Windows {@code quarry embed} writes before it fails (0: never). */
    public static int stopAfterWindows() {
        return Integer.getInteger(STOP_AFTER_WINDOWS, 0);
    }

    /**
     * Holds the calling thread while {@value #HOLD_MINE_CALLS} names a file that does not exist yet (60 s at
     * most), after creating {@code PATH.held}; returns at once when the hook is off.
     */
    public static void holdMineCall() {
        String release = System.getProperty(HOLD_MINE_CALLS);
        if (release == null) {
            return;
        }
        java.nio.file.Path file = java.nio.file.Path.of(release);
        try {
            java.nio.file.Files.writeString(file.resolveSibling(file.getFileName() + ".held"), "held\n");
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!java.nio.file.Files.exists(file) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Keeps the calling thread busy while {@value #SPIN_MINE_CALLS} is set (60 s at most), never parking it;
     * returns at once when the hook is off.
     */
    public static void spinMineCall() {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.getProperty(SPIN_MINE_CALLS) != null && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }
}
