package dev.quarry.spark;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * Removes, when an executor of a {@code spark-mine} run stops, the copies of the run's jars ({@code spark.jars}:
 * quarry.jar, quarry-spark.jar) that Spark fetched into the executor's working directory. A standalone worker keeps
 * an application's directory ({@code WORK/APP_ID/EXECUTOR_ID}) after the application ends (its logs), so without this
 * every run would leave about 14 MB of jars per executor behind. Spark's own files there (stdout, stderr) stay.
 *
 * <p>{@code spark-mine} installs it as a Spark plugin ({@code spark.plugins}) for a cluster's run; a Spark job
 * calling {@link SparkMiner#mine} ships its own jars, which are its business. Only a working directory laid out
 * as a standalone worker's ({@code .../APP_ID/EXECUTOR_ID}, this run's) is touched, only regular files (never a
 * link) named as a jar of {@code spark.jars}: files Spark copied for this run, never a user's.
 */
public final class ShippedJars implements SparkPlugin {
    @Override
    public DriverPlugin driverPlugin() {
        return null; // the driver uses the jars in place: nothing copied
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new Cleanup();
    }

    /**
     * The executor's side: removes the copies when the executor stops, also when it stops by SIGTERM (how a
     * standalone worker ends an application's executors), through a shutdown hook installed at start.
     */
    static final class Cleanup implements ExecutorPlugin {
        private Thread hook;

        @Override
        public void init(PluginContext ctx, Map<String, String> extraConf) {
            Path dir = Path.of("").toAbsolutePath();
            String appId = ctx.conf().get("spark.app.id", "");
            List<String> jars = List.of(ctx.conf().get("spark.jars", "").split(","));
            String executor = ctx.executorID();
            hook = new Thread(() -> remove(dir, appId, executor, jars), "quarry-shipped-jars-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        @Override
        public void shutdown() {
            // Spark stops plugins when it stops the executor itself; the hook, run again at exit, finds nothing.
            if (hook != null) {
                hook.run();
            }
        }
    }

    /**
     * Removes from {@code dir} the regular files named as the jars of {@code jars} (paths or URIs), when
     * {@code dir} is the working directory a standalone worker gave executor {@code executorId} of application
     * {@code appId}. Returns the files removed.
     */
    static List<Path> remove(Path dir, String appId, String executorId, List<String> jars) {
        List<Path> removed = new ArrayList<>();
        if (!isExecutorDirectory(dir, appId, executorId)) {
            return removed;
        }
        for (String jar : jars) {
            String name = fileName(jar.strip());
            if (name == null) {
                continue;
            }
            Path copy = dir.resolve(name);
            try {
                if (Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS) && Files.deleteIfExists(copy)) {
                    removed.add(copy);
                }
            } catch (IOException e) {
                // left for the worker's own cleanup (spark.worker.cleanup.enabled): nothing else to do at exit
            }
        }
        return removed;
    }

    /** Whether {@code dir} is {@code .../APP_ID/EXECUTOR_ID}, a standalone worker's directory of this executor. */
    static boolean isExecutorDirectory(Path dir, String appId, String executorId) {
        Path parent = dir.getParent();
        return !appId.isEmpty() && !executorId.isEmpty() && dir.getFileName() != null && parent != null
                && parent.getFileName() != null && dir.getFileName().toString().equals(executorId)
                && parent.getFileName().toString().equals(appId);
    }

    /** The file name Spark gives the fetched copy of {@code jar} (the last segment of its path), or null. */
    static String fileName(String jar) {
        if (jar.isEmpty()) {
            return null;
        }
        String path;
        try {
            URI uri = new URI(jar);
            path = uri.getPath() != null ? uri.getPath() : jar;
        } catch (URISyntaxException e) {
            path = jar;
        }
        String name = path.substring(path.lastIndexOf('/') + 1);
        return name.isEmpty() || name.equals(".") || name.equals("..") || !name.endsWith(".jar") ? null : name;
    }
}
