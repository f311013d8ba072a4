package dev.quarry.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quarry.cli.CliRun;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * spark-mine on a real Spark standalone cluster (a Master and two Workers of one core, each its own JVM, started by
 * {@code scripts/spark-cluster.sh}): executors in JVMs of their own, given Quarry's jars and flags by spark-mine or
 * by the documented submission, write {@code quarry mine}'s bytes, replicated and sharded, flat and IVF, also when
 * an executor JVM is killed mid-stage, and the executors leave no copy of the jars behind once a run ends; a missing
 * flag and a bad or unreachable master are refused with Quarry's messages; an input the executors cannot see is
 * refused before the mining job. Runs after the module's package (the jars a user runs), as Maven's integration tests.
 */
class StandaloneClusterIT {
    private static final long RUN_DEADLINE_S = 300;
    private static final List<String> OPTIONS = List.of("--num-negatives", "3", "--range-min", "1", "--range-max", "30",
            "--output-format", "n-tuple", "--output-scores");

    @TempDir
    static Path dir;
    static Catalog catalog;
    static StandaloneCluster cluster;
    static Path ivf;

    @BeforeAll
    static void setUp() throws IOException, InterruptedException {
        assertTrue(StandaloneCluster.built(), "the module's jars are built (mvn verify runs this after package)");
        catalog = Catalog.write(dir);
        ivf = dir.resolve("corpus.qivf");
        try (VectorStore corpus = VectorStore.open(catalog.corpus())) {
            new IvfBuilder(VectorKernelsProvider.get()).build(corpus, KMeansParams.defaults(16, true, 2), ivf, null);
        }
        mineOnOneMachine("one.jsonl");
        mineOnOneMachine("one-ivf.jsonl", "--index", ivf.toString(), "--nprobe", "2");
        cluster = StandaloneCluster.start(dir.resolve("cluster"));
    }

    @AfterAll
    static void tearDown() throws IOException, InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static void mineOnOneMachine(String output, String... more) {
        List<Object> args = new ArrayList<>(List.of("mine", "--output", dir.resolve(output)));
        args.addAll(inputs());
        args.addAll(OPTIONS);
        args.addAll(Arrays.asList(more));
        CliRun run = CliRun.of(args.toArray());
        assertEquals(0, run.exitCode(), run::toString);
    }

    private static List<String> inputs() {
        return List.of("--corpus", catalog.corpus().toString(), "--queries", catalog.queries().toString(), "--qrels",
                catalog.qrels().toString());
    }

    /** The arguments of a spark-mine run writing {@code output} with the shared options, then {@code more}. */
    private static List<String> args(String output, String... more) {
        List<String> args = new ArrayList<>(inputs());
        args.addAll(OPTIONS);
        args.addAll(List.of("--output", dir.resolve(output).toString()));
        args.addAll(Arrays.asList(more));
        return args;
    }

    @Test
    void sparkMineSetsTheExecutorsFlagsAndJarsItselfAndWritesQuarryMinesBytesWithIvf() throws Exception {
        Exec run = Exec.start(StandaloneCluster.sparkMine(withMaster(args("ivf.jsonl", "--index", ivf.toString(),
                "--nprobe", "2", "--partitions", "4", "--block-size", "50"))), dir.resolve("ivf"));
        run.awaitExit(RUN_DEADLINE_S);
        assertEquals(0, run.exitCode(), run::toString);
        assertArrayEquals(bytes("one-ivf.jsonl"), bytes("ivf.jsonl"));
        assertTrue(run.err().contains("on " + cluster.url()), run::toString);
        // The progress line's rate and the summary's are one figure, both counted from the run's start.
        double summaryRate = rate(find(run.out(), "mined [0-9,]+ anchors in \\S+: (\\S+) anchors/s"));
        double progressRate = rate(find(run.err(), "\\(100\\.0%\\), (\\S+) anchors/s"));
        assertEquals(summaryRate, progressRate, 0.1 * summaryRate, run::toString);
    }

    @Test
    void sparkMineWritesQuarryMinesBytesShardedFlatAndItsExecutorsLeaveNoJarBehind() throws Exception {
        Set<Path> before = cluster.executorDirectories();
        Exec run = Exec.start(StandaloneCluster.sparkMine(withMaster(args("sharded-flat.jsonl",
                layout("sharded-flat", "mine")))), dir.resolve("sharded-flat"));
        run.awaitExit(RUN_DEADLINE_S);
        assertEquals(0, run.exitCode(), run::toString);
        assertArrayEquals(bytes(expected("sharded-flat")), bytes("sharded-flat.jsonl"));
        assertExecutorsLeftNoJar(before);
    }

    /**
     * The documented submission (Spark's own submit class, Quarry's jars shipped with it) in each placement and
     * index: {@code quarry mine}'s bytes, and no copy of the shipped jars left on the workers once it ends. With
     * the tests above (IVF replicated; sharded flat; the killed executors' replicated flat and sharded IVF),
     * {@code spark-mine --master spark://} covers the same four.
     */
    @ParameterizedTest
    @ValueSource(strings = {"replicated-flat", "replicated-ivf", "sharded-flat", "sharded-ivf"})
    void theDocumentedSubmissionWritesQuarryMinesBytes(String layout) throws Exception {
        Set<Path> before = cluster.executorDirectories();
        String output = "submitted-" + layout + ".jsonl";
        Exec run = Exec.start(StandaloneCluster.sparkSubmit(cluster.url(), args(output, layout(layout, "submit"))),
                dir.resolve("submit-" + layout));
        run.awaitExit(RUN_DEADLINE_S);
        assertEquals(0, run.exitCode(), run::toString);
        assertArrayEquals(bytes(expected(layout)), bytes(output), layout);
        assertExecutorsLeftNoJar(before);
    }

    /** spark-mine's options for a placement and index ({@code replicated-flat}...); shard layouts cut anew. */
    private static String[] layout(String layout, String door) {
        String shards = dir.resolve(door + "-" + layout + "-shards").toString();
        return switch (layout) {
            case "replicated-flat" -> new String[] {"--partitions", "3", "--block-size", "50"};
            case "replicated-ivf" -> new String[] {"--index", ivf.toString(), "--nprobe", "2", "--partitions", "3"};
            case "sharded-flat" -> new String[] {"--placement", "sharded", "--shards", shards, "--shard-count", "2"};
            // IVF shards probed in every list score every row: exact mining's bytes.
            case "sharded-ivf" -> new String[] {"--placement", "sharded", "--shards", shards, "--shard-count", "2",
                    "--shard-nlist", "8", "--nprobe", "8"};
            default -> throw new IllegalArgumentException(layout);
        };
    }

    /** The one-machine output a layout's run must equal. */
    private static String expected(String layout) {
        return layout.equals("replicated-ivf") ? "one-ivf.jsonl" : "one.jsonl";
    }

    /**
     * The executors a run started (their directories, beyond {@code before}) have stopped and removed their
     * copies of the shipped jars; Spark's logs stay.
     */
    private static void assertExecutorsLeftNoJar(Set<Path> before) throws IOException, InterruptedException {
        Set<Path> started = new HashSet<>(cluster.executorDirectories());
        started.removeAll(before);
        assertFalse(started.isEmpty(), "the run started executors on the workers");
        for (Path executor : started) {
            cluster.awaitExecutorFinished(executor, 120);
            assertTrue(Files.exists(executor.resolve("stderr")), "Spark's log stays: " + executor);
            try (Stream<Path> files = Files.list(executor)) {
                List<Path> jars = files.filter(f -> f.getFileName().toString().endsWith(".jar")).toList();
                assertEquals(List.of(), jars, "jars left in " + executor);
            }
        }
    }

    @Test
    void anExecutorKilledMidStageIsReplacedAndTheBytesStayReplicatedFlat() throws Exception {
        killAnExecutorMidStage("killed-flat.jsonl", "one.jsonl", "--partitions", "4", "--block-size", "25");
    }

    @Test
    void anExecutorKilledMidStageIsReplacedAndTheBytesStayShardedIvf() throws Exception {
        // IVF shards probed in every list score every row: exact mining's bytes.
        killAnExecutorMidStage("killed-ivf-shards.jsonl", "one.jsonl", "--placement", "sharded", "--shards",
                dir.resolve("ivf-shards").toString(), "--shard-count", "2", "--shard-nlist", "8", "--nprobe", "8",
                "--partitions", "4", "--block-size", "25");
    }

    /**
     * Runs spark-mine with the pause hook on its executors: a task's first attempt, one block in, says which JVM it
     * runs in and waits; that JVM is SIGKILLed, the others go on, and Spark must rerun the lost work elsewhere.
     */
    private void killAnExecutorMidStage(String output, String expected, String... more) throws Exception {
        Path pause = Files.createDirectories(dir.resolve("pause-" + output));
        String options = JvmFlags.executorOptions() + " -D" + FaultInjection.PAUSE_DIR_PROPERTY + "=" + pause;
        List<String> args = withMaster(args(output, more));
        args.addAll(List.of("--conf", "spark.executor.extraJavaOptions=" + options));
        Exec run = Exec.start(StandaloneCluster.sparkMine(args), dir.resolve("run-" + output));
        long pid;
        try {
            Path marker = awaitFile(pause, run, RUN_DEADLINE_S);
            String name = marker.getFileName().toString();
            pid = Long.parseLong(name.substring(name.lastIndexOf('-') + 1));
            ProcessHandle executor = ProcessHandle.of(pid).orElseThrow();
            assertTrue(executor.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"),
                    "the marker names an executor JVM: " + executor.info());
            assertTrue(executor.destroyForcibly(), "SIGKILL sent to " + pid); // destroyForcibly is SIGKILL on Linux
            executor.onExit().get(30, TimeUnit.SECONDS);
        } finally {
            Files.writeString(pause.resolve("go"), ""); // the other tasks go on; reruns never pause
        }
        run.awaitExit(RUN_DEADLINE_S);
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Lost executor"), "Spark saw the executor go: " + run);
        assertArrayEquals(bytes(expected), bytes(output));
    }

    @Test
    void anExecutorWithoutOneOfQuarrysFlagsFailsTheRunNamingTheFlag() throws Exception {
        // The driver finds every flag in the option string; the later -D wins in the executors' JVMs, which refuse.
        String options = JvmFlags.executorOptions() + " -Dchronicle.analytics.disable=false";
        List<String> args = withMaster(args("never.jsonl", "--conf", "spark.executor.extraJavaOptions=" + options,
                "--conf", "spark.task.maxFailures=1"));
        Exec run = Exec.start(StandaloneCluster.sparkMine(args), dir.resolve("noflag"));
        run.awaitExit(RUN_DEADLINE_S);
        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("-Dchronicle.analytics.disable=true") && run.err().contains("executor"),
                run::toString);
        assertFalse(Files.exists(dir.resolve("never.jsonl")));
    }

    @Test
    void aFlagMissingFromTheGivenExecutorOptionsIsRefusedBeforeTheRun() throws Exception {
        String options = JvmFlags.executorOptions().replace("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "");
        Exec run = Exec.start(StandaloneCluster.sparkMine(withMaster(args("never.jsonl", "--conf",
                "spark.executor.extraJavaOptions=" + options))), dir.resolve("noflag-driver"));
        run.awaitExit(120);
        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"), run::toString);
    }

    @Test
    void anInputTheExecutorsCannotSeeIsRefusedBeforeTheMiningJob() throws Exception {
        // The driver runs in a mount namespace of its own, where a tmpfs over a directory holds a copy of the
        // queries: the driver sees the file, the executors (outside that namespace) see an empty directory, as
        // executors on other machines see a driver's local disk.
        assumeTrue(new ProcessBuilder("unshare", "-m", "--propagation", "private", "true").start()
                .waitFor() == 0, "unshare -m needs root (or user namespaces) here");
        Path hidden = Files.createDirectories(dir.resolve("driver-only"));
        Path queries = hidden.resolve("queries.qvec");
        List<String> args = new ArrayList<>(List.of("--master", cluster.url(), "--corpus", catalog.corpus().toString(),
                "--queries", queries.toString(), "--qrels", catalog.qrels().toString(), "--output",
                dir.resolve("never-hidden.jsonl").toString()));
        args.addAll(OPTIONS);
        List<String> cmd = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs quarry-test \"$0\" && cp \"$1\" \"$0\"/ && shift && exec \"$@\"", hidden.toString(),
                catalog.queries().toString()));
        cmd.addAll(StandaloneCluster.sparkMine(args));
        Exec run = Exec.start(cmd, dir.resolve("hidden"));
        run.awaitExit(RUN_DEADLINE_S);
        assertEquals(3, run.exitCode(), run::toString);
        assertTrue(run.err().contains(queries.toString()) && run.err().contains("missing")
                && run.err().contains("executor"), run::toString);
        assertFalse(run.err().contains("spark-mine: mining"), "refused before the mining job: " + run);
        assertFalse(Files.exists(dir.resolve("never-hidden.jsonl")));
    }

    @Test
    void aMasterUrlOfAnUnknownKindIsAUsageError() throws Exception {
        Exec run = Exec.start(StandaloneCluster.sparkMine(withMaster(args("never.jsonl"), "bogus://x")),
                dir.resolve("bogus"));
        run.awaitExit(120);
        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--master=bogus://x"), run::toString);
    }

    @Test
    void anUnreachableMasterFailsWithinThirtySecondsNamingIt() throws Exception {
        long start = System.nanoTime();
        Exec run = Exec.start(StandaloneCluster.sparkMine(withMaster(args("never.jsonl"), "spark://127.0.0.1:1")),
                dir.resolve("unreachable"));
        run.awaitExit(30);
        assertEquals(3, run.exitCode(), run::toString);
        assertTrue(run.err().contains("spark://127.0.0.1:1"), run::toString);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30));
        assertFalse(run.err().contains("stopped SparkContext"), run::toString);
    }

    private static List<String> withMaster(List<String> args) {
        return withMaster(args, cluster.url());
    }

    private static List<String> withMaster(List<String> args, String master) {
        List<String> all = new ArrayList<>(List.of("--master", master));
        all.addAll(args);
        return all;
    }

    /** The first file created in {@code dir}, waited for until {@code seconds} pass or {@code run} ends. */
    private static Path awaitFile(Path dir, Exec run, long seconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        try (WatchService watch = dir.getFileSystem().newWatchService()) {
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            while (System.nanoTime() < deadline && run.process().isAlive()) {
                try (Stream<Path> files = Files.list(dir)) {
                    Optional<Path> first = files.findFirst();
                    if (first.isPresent()) {
                        return first.get();
                    }
                }
                WatchKey key = watch.poll(1, TimeUnit.SECONDS); // an event, or a second to see the run still lives
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        }
        throw new AssertionError("no task paused within " + seconds + " s: " + run);
    }

    /** A rate as Progress.human prints it: 41, 12.3k, 1.20M. */
    private static double rate(String human) {
        String s = human.strip();
        double scale = s.endsWith("k") ? 1e3 : s.endsWith("M") ? 1e6 : 1;
        return Double.parseDouble(scale == 1 ? s : s.substring(0, s.length() - 1)) * scale;
    }

    private static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), () -> regex + " in: " + text);
        return m.group(1);
    }

    private static byte[] bytes(String name) throws IOException {
        return Files.readAllBytes(dir.resolve(name));
    }
}
