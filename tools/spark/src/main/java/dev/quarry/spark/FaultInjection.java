package dev.quarry.spark;

import dev.quarry.TestHooks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.spark.TaskContext;

/**
 * The test hook of the fault tests: the first attempts of one task of the mining stage fail after it has
 * produced part of its output, so Spark must run it again and the output must not change (or, when every
 * attempt fails, the run dies mid-way and must leave no trace). Set by system properties read in
 * {@link TestHooks} (off unless a test sets them). And the pause of a cluster test that kills an executor JVM
 * ({@link TestHooks#SPARK_PAUSE_DIR}): a task's first attempt that has mined a block writes {@code task-P-pid-PID}
 * into that directory and waits for a file {@code go} there, so the test knows which JVM holds a task mid-way.
 */
final class FaultInjection {
    /** The directory of the pause hook (a system property of the executor JVMs; tests only). */
    static final String PAUSE_DIR_PROPERTY = TestHooks.SPARK_PAUSE_DIR;
    private static final long PAUSE_DEADLINE_NANOS = TimeUnit.MINUTES.toNanos(2);

    private FaultInjection() {
    }

    /** Fails in the first attempts of the hooked task once it has done a block. */
    static void maybeFail(int done) {
        TaskContext task = TaskContext.get();
        int failTask = TestHooks.failTask();
        if (failTask >= 0 && done >= 1 && task != null && task.partitionId() == failTask
                && task.attemptNumber() < TestHooks.failAttempts()) {
            throw new IllegalStateException("injected failure in attempt " + task.attemptNumber() + " of task "
                    + failTask + " (test hook), after " + done + " block(s)");
        }
        maybePause(done);
    }

    /** The pause hook: once a block is done in a task's first attempt, says so and waits for {@code go}. */
    private static void maybePause(int done) {
        String dir = TestHooks.sparkPauseDir();
        TaskContext task = TaskContext.get();
        if (dir == null || done != 1 || task == null || task.attemptNumber() > 0) {
            return;
        }
        Path go = Path.of(dir, "go");
        if (Files.exists(go)) {
            return;
        }
        try {
            Files.writeString(Path.of(dir, "task-" + task.partitionId() + "-pid-" + ProcessHandle.current().pid()), "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.nanoTime() + PAUSE_DEADLINE_NANOS;
        while (!Files.exists(go) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(20_000_000L);
        }
    }
}
