package dev.quarry.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.spark.TaskContext;

/**
 * The test hooks of the fault tests. One: the first attempts of one task of the mining stage fail after it has
 * produced part of its output, so Spark must run it again and the output must not change (or, when every attempt
 * fails, the run dies mid-way and must leave no trace). Two, for a cluster whose executor JVM a test kills: with
 * the system property {@value #PAUSE_DIR_PROPERTY} set on the executors (the only place it is read), a task's
 * first attempt that has mined a block writes {@code task-P-pid-PID} into that directory and waits for a file
 * {@code go} there, so the test knows a task is mid-way, and in which JVM, before it kills one.
 */
final class FaultInjection {
    /** The directory of the pause hook (a system property of the executor JVMs; tests only). */
    static final String PAUSE_DIR_PROPERTY = "quarry.spark.test.pauseDir";
    private static final long PAUSE_DEADLINE_NANOS = TimeUnit.MINUTES.toNanos(2);

    private FaultInjection() {
    }

    /** Fails in the first {@code attempts} attempts of task {@code failTask} once it has done a block. */
    static void maybeFail(WorkerSpec spec, int done) {
        TaskContext task = TaskContext.get();
        int failTask = spec.failTask();
        if (failTask >= 0 && done >= 1 && task != null && task.partitionId() == failTask
                && task.attemptNumber() < spec.failAttempts()) {
            throw new IllegalStateException("injected failure in the first attempt of task " + failTask
                    + " (test hook), after " + done + " block(s)");
        }
        maybePause(done);
    }

    /** The pause hook: once a block is done in a task's first attempt, says so and waits for {@code go}. */
    private static void maybePause(int done) {
        String dir = System.getProperty(PAUSE_DIR_PROPERTY);
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
