package dev.quarry.spark;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.io.Serializable;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The inputs as the executors see them, checked before the mining job starts: executors map the files at the
 * driver's paths, so a path that an executor's machine lacks (a driver's local disk, a mount missing on a worker)
 * or holds another file at (other bytes, another copy) is refused with the path and the executor named, instead of
 * failing tasks one by one or mining from another file. In local mode the driver is the executor: nothing to check.
 */
final class ExecutorPaths {
    private ExecutorPaths() {
    }

    /** A file as one JVM sees it: its absolute path, size and modification time (-1 when missing). */
    record Seen(String path, long size, long modified) implements Serializable {
        static Seen of(Path p) {
            Path abs = p.toAbsolutePath();
            try {
                return new Seen(abs.toString(), Files.size(abs), Files.getLastModifiedTime(abs).toMillis());
            } catch (IOException e) {
                return new Seen(abs.toString(), -1, -1);
            }
        }

        /** What is wrong with {@code here} (this JVM's view) against this (the driver's), or null. */
        String problem(Seen here) {
            if (here.size < 0) {
                return "missing";
            }
            if (here.size != size || here.modified != modified) {
                return "another file (" + here.size + " bytes, modified at " + here.modified + " ms, where the driver"
                        + " sees " + size + " bytes modified at " + modified + " ms)";
            }
            return null;
        }
    }

    /**
     * Refuses {@code files} (nulls ignored) when an executor of {@code sc} does not see each as the driver does:
     * two small tasks per executor look at them (exit 3, the first file at fault and every executor's answer).
     */
    static void requireVisible(JavaSparkContext sc, List<Path> files) {
        if (sc.isLocal()) {
            return;
        }
        List<Seen> driver = files.stream().filter(Objects::nonNull).map(Seen::of).toList();
        int executors = Math.max(1, sc.sc().getExecutorMemoryStatus().size() - 1);
        int tasks = 2 * executors;
        List<String> problems = sc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks)
                .mapPartitions(ignored -> check(driver).iterator()).distinct().collect();
        if (!problems.isEmpty()) {
            String first = problems.get(0);
            throw new QuarryDataException(Path.of(first.substring(0, first.indexOf('\t'))), "on the executors",
                    String.join("; ", problems.stream().map(p -> p.substring(p.indexOf('\t') + 1)).toList()),
                    "the same file at the same path on every machine that runs an executor (a shared mount):"
                            + " executors map the inputs where the driver found them", null);
        }
    }

    /** This JVM's problems with {@code driver}'s files, each "path TAB where: what". */
    private static List<String> check(List<Seen> driver) {
        String where = where();
        List<String> out = new ArrayList<>();
        for (Seen d : driver) {
            String problem = d.problem(Seen.of(Path.of(d.path())));
            if (problem != null) {
                out.add(d.path() + "\t" + where + ": " + problem);
            }
        }
        return out;
    }

    /** This JVM as a message names it: the executor's id, host and pid. */
    static String where() {
        SparkEnv env = SparkEnv.get();
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "an unnamed host";
        }
        return (env == null ? "JVM" : "executor " + env.executorId()) + " on " + host + ", pid "
                + ProcessHandle.current().pid();
    }
}
