package dev.quarry.spark;

import org.apache.spark.TaskContext;

/**
 * The test hook of the fault tests: the first attempts of one task of the mining stage fail after it has
 * produced part of its output, so Spark must run it again and the output must not change (or, when every
 * attempt fails, the run dies mid-way and must leave no trace).
 */
final class FaultInjection {
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
    }
}
