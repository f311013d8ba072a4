package dev.quarry.spark;

import java.util.HashSet;
import java.util.Set;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The tasks of one job group still running, as Spark's listener bus reports them. When a job fails, Spark marks it
 * and its stages ended at once, while the tasks it kills end later: a task still inside Parquet's writer can create
 * the output's temp directory again after the run deleted it. A failed run waits here until every job of its group
 * has ended and every task of their stages has reported its end, then deletes. Thread-safe.
 */
final class GroupTasks extends SparkListener {
    private static final String GROUP = "spark.jobGroup.id";

    private final String group;
    private final Set<Integer> jobs = new HashSet<>();
    private final Set<Integer> stages = new HashSet<>();
    private boolean started;
    private int running;

    GroupTasks(String group) {
        this.group = group;
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart start) {
        if (start.properties() != null && group.equals(start.properties().getProperty(GROUP))) {
            jobs.add(start.jobId());
            started = true;
            for (Object stage : CollectionConverters.asJava(start.stageIds())) {
                stages.add((Integer) stage);
            }
        }
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd end) {
        if (jobs.remove(end.jobId())) {
            notifyAll();
        }
    }

    @Override
    public synchronized void onTaskStart(SparkListenerTaskStart start) {
        if (stages.contains(start.stageId())) {
            running++;
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
        if (stages.contains(end.stageId())) {
            running--;
            notifyAll();
        }
    }

    /**
     * Waits until a job of the group has started and every one has ended, their tasks with them, at most
     * {@code millis}; true if they did. The bus delivers events late: a failed job's exception can reach the driver
     * before its start does, and its end shows the bus has delivered the task starts that came before it.
     */
    synchronized boolean awaitEnded(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        for (long left = millis; !started || !jobs.isEmpty() || running > 0;
             left = deadline - System.currentTimeMillis()) {
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }
}
