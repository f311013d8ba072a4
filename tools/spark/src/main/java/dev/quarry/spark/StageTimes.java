package dev.quarry.spark;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.StageInfo;

/**
 * Each completed stage of a run, as the driver's progress shows it at the end: wall time from submission to
 * completion, tasks, shuffle bytes. What tells the sharded placement's merge (the reduce stage and its
 * shuffle) from its searches. Events arrive on Spark's listener thread; thread-safe.
 */
final class StageTimes extends SparkListener {
    private final List<String> lines = new ArrayList<>();

    @Override
    public void onStageCompleted(SparkListenerStageCompleted completed) {
        StageInfo s = completed.stageInfo();
        if (s.submissionTime().isEmpty() || s.completionTime().isEmpty()) {
            return;
        }
        double seconds = ((Long) s.completionTime().get() - (Long) s.submissionTime().get()) / 1e3;
        TaskMetrics m = s.taskMetrics();
        String line = String.format(Locale.ROOT, "stage %d (%s): %.2f s, %d tasks, shuffle write %.1f MB, read %.1f MB%s",
                s.stageId(), s.name(), seconds, s.numTasks(), m.shuffleWriteMetrics().bytesWritten() / 1e6,
                m.shuffleReadMetrics().totalBytesRead() / 1e6, s.failureReason().isDefined() ? " (failed)" : "");
        synchronized (lines) {
            lines.add(line);
        }
    }

    /** Prints the stages seen so far. */
    void print(PrintWriter out) {
        synchronized (lines) {
            for (String line : lines) {
                out.println("spark-mine: " + line);
            }
        }
        out.flush();
    }
}
