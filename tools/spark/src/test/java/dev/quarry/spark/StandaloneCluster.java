package dev.quarry.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster for the tests, started and stopped with {@code scripts/spark-cluster.sh} (what a user
 * runs): a Master and two Workers of one core, each its own JVM on 127.0.0.1, its JVMs killed after a lifetime
 * even if the test JVM dies; and the commands that run {@code spark-mine} against it as a user would, from the
 * built jars.
 */
record StandaloneCluster(Path dir, String url) implements AutoCloseable {
    static final Path ROOT = Path.of("..", "..").toAbsolutePath().normalize();
    static final Path SCRIPT = ROOT.resolve("scripts/spark-cluster.sh");
    static final Path QUARRY_JAR = ROOT.resolve("tools/cli/target/quarry.jar");
    static final Path SPARK_JAR = ROOT.resolve("tools/spark/target/quarry-spark.jar");
    static final Path LIB = ROOT.resolve("tools/spark/target/lib");
    static final Path JACKSON = ROOT.resolve("tools/spark/target/spark-jackson");

    /** Starts the cluster in {@code dir} (deadline: the script's own, 60 s per JVM). */
    static StandaloneCluster start(Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", SCRIPT.toString(), "start", "--dir", dir.toString(), "--lifetime", "1200")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0 || !out.startsWith("spark://")) {
            p.destroyForcibly();
            stop(dir);
            throw new IllegalStateException("the cluster did not start: " + out);
        }
        return new StandaloneCluster(dir, out);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        stop(dir);
    }

    private static void stop(Path dir) throws IOException, InterruptedException {
        new ProcessBuilder("bash", SCRIPT.toString(), "stop", "--dir", dir.toString()).inheritIO().start()
                .waitFor(2, TimeUnit.MINUTES);
    }

    /** The working directories the workers gave executors so far ({@code work-N/APP_ID/EXECUTOR_ID}). */
    Set<Path> executorDirectories() throws IOException {
        Set<Path> found = new HashSet<>();
        try (Stream<Path> works = Files.list(dir)) {
            for (Path work : works.filter(p -> p.getFileName().toString().startsWith("work-")).toList()) {
                try (Stream<Path> executors = Files.find(work, 2, (p, a) -> a.isDirectory() && p.getNameCount()
                        == work.getNameCount() + 2)) {
                    executors.forEach(found::add);
                }
            }
        }
        return found;
    }

    /**
     * Waits until the worker that ran {@code executor} (a directory of {@link #executorDirectories}) logs that
     * it finished: its JVM has exited. Fails after {@code seconds}.
     */
    void awaitExecutorFinished(Path executor, long seconds) throws IOException, InterruptedException {
        String work = executor.getParent().getParent().getFileName().toString(); // work-N
        Path log = dir.resolve("worker-" + work.substring("work-".length()) + ".log");
        String line = "Executor " + executor.getParent().getFileName() + "/" + executor.getFileName()
                + " finished with state";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        try (WatchService watch = dir.getFileSystem().newWatchService()) {
            dir.register(watch, StandardWatchEventKinds.ENTRY_MODIFY);
            while (!Files.readString(log).contains(line)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no \"" + line + "\" in " + log + " within " + seconds + " s");
                }
                WatchKey key = watch.poll(1, TimeUnit.SECONDS); // the log written, or a second to look again
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        }
    }

    /** The JVM flags of a Quarry JVM on Spark ({@code ./quarry jvm-flags spark}). */
    static List<String> flags() {
        return List.of(JvmFlags.executorOptions().split(" "));
    }

    /** {@code quarry spark-mine ARGS} as the launcher runs it: quarry.jar, the module's jar and its lib/. */
    static List<String> sparkMine(List<String> args) {
        List<String> cmd = java();
        cmd.addAll(List.of("-cp", QUARRY_JAR + ":" + SPARK_JAR + ":" + LIB + "/*", "dev.quarry.cli.QuarryMain",
                "spark-mine"));
        cmd.addAll(args);
        return cmd;
    }

    /**
     * The documented submission (docs/scale-out.md): Spark's own submit class on Spark's jars alone, Quarry's two
     * jars shipped with {@code --jars} and as the primary jar, the flags passed to the driver and the executors.
     */
    static List<String> sparkSubmit(String master, List<String> args) {
        String flags = String.join(" ", flags());
        List<String> cmd = java();
        cmd.addAll(List.of("-cp", LIB + "/*:" + JACKSON + "/*", "org.apache.spark.deploy.SparkSubmit",
                "--master", master, "--conf", "spark.driver.extraJavaOptions=" + flags,
                "--conf", "spark.executor.extraJavaOptions=" + flags, "--class", "dev.quarry.cli.QuarryMain",
                "--jars", QUARRY_JAR.toString(), SPARK_JAR.toString(), "spark-mine"));
        cmd.addAll(args);
        return cmd;
    }

    private static List<String> java() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(flags());
        cmd.add("-Xmx1g");
        return cmd;
    }

    /** Whether the jars the commands need are built (the integration tests run after the module's package). */
    static boolean built() {
        return Files.isRegularFile(QUARRY_JAR) && Files.isRegularFile(SPARK_JAR) && Files.isDirectory(LIB)
                && Files.isDirectory(JACKSON);
    }
}
