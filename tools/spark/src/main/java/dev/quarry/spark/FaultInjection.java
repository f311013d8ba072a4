package dev.quarry.spark;

import org.apache.spark.TaskContext;

/**
 * The test hook of the fault tests: the first attempt of one task of the mining stage fails after it has
 * produced part of its output, so Spark must run it again and the output must not change.
 */
final class FaultInjection {
    private FaultInjection() {
    }

    /** Fails when this is the first attempt of task {@code failTask} and it has done {@code done} blocks (>= 1). */
    static void maybeFail(int failTask, int done) {
        TaskContext task = TaskContext.get();
        if (failTask >= 0 && done >= 1 && task != null && task.partitionId() == failTask
                && task.attemptNumber() == 0) {
            throw new IllegalStateException("injected failure in the first attempt of task " + failTask
                    + " (test hook), after " + done + " block(s)");
        }
    }
}
