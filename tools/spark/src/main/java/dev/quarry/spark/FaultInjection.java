package dev.quarry.spark;

import dev.quarry.TestHooks;
import org.apache.spark.TaskContext;

/**
 * The test hook of the fault tests: the first attempts of one task of the mining stage fail after it has
 * produced part of its output, so Spark must run it again and the output must not change (or, when every
 * attempt fails, the run dies mid-way and must leave no trace). Set by system properties read in
 * {@link TestHooks} (off unless a test sets them).
 */
final class FaultInjection {
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
    }
}
