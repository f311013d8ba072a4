package dev.quarry.spark;

import dev.quarry.QuarryDataException;
import dev.quarry.cli.ExitCodes;
import dev.quarry.cli.MiningInputOptions;
import dev.quarry.cli.SchemaOptions;
import dev.quarry.options.CommandFlags;
import dev.quarry.options.MineOptions;
import dev.quarry.pipeline.MiningReport;
import dev.quarry.pipeline.MiningRequest;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code quarry spark-mine}: {@code quarry mine} on Spark, the same output from many machines. */
@Command(name = "spark-mine", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Mine hard negatives on Spark: the same negatives as quarry mine (byte for byte with exact"
                + " search), the anchors spread over the executors, the corpus replicated on each or split into shards.",
        footer = {"", "Examples:",
                "  quarry spark-mine --master 'local[2]' --corpus corpus.qvec --queries queries.qvec --qrels qrels.tsv \\",
                "                    --num-negatives 8 --output-format n-tuple --output mined.parquet",
                "  quarry spark-mine --placement sharded --shards corpus.shards --shard-count 4 ... --output mined.jsonl",
                "",
                "Every path must be the same on every machine (a shared mount): executors map the stores in place.",
                "A killed run replaces nothing: outputs go to temp names and are renamed when the run completes."})
public final class SparkMineCommand implements Callable<Integer>, SchemaOptions.Mines {
    private static final String EXECUTOR_OPTIONS = "spark.executor.extraJavaOptions";
    private static final String PLUGINS = "spark.plugins";
    /** How long a cluster's run waits for its first executor. */
    static final int EXECUTOR_WAIT_SECONDS = 60;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--master", description = "Spark master URL: local[N], spark://HOST:PORT, yarn, k8s://URL"
            + " (default: the one spark-submit set, else local[*]).")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark setting, as spark-submit's --conf"
            + " (repeatable). For a cluster, spark.executor.extraJavaOptions defaults to Quarry's flags"
            + " (./quarry jvm-flags spark); a value given here must hold them.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = CommandFlags.PLACEMENT, defaultValue = "replicated", description = "replicated (every executor maps the"
            + " corpus) or sharded (each task searches one shard) (default: ${DEFAULT-VALUE}).")
    String placement;

    @Option(names = "--partitions", description = "Partitions of the anchors (default: twice Spark's default"
            + " parallelism, at most one per block).")
    Integer partitions;

    @Option(names = CommandFlags.SHARDS, description = "sharded: the shard layout's directory (used when it holds one,"
            + " cut from the corpus with --shard-count otherwise).")
    Path shards;

    @Option(names = CommandFlags.SHARD_COUNT, description = "sharded: shards to cut when --shards holds no layout.")
    Integer shardCount;

    @Option(names = "--shard-nlist", description = "sharded: build an IVF index of this many lists per shard when"
            + " cutting (default: flat shards).")
    Integer shardNlist;

    @Mixin
    MiningInputOptions inputs;

    /** The request's settings (--num-negatives, ...), declared by the schema. */
    private final SchemaOptions mining = new SchemaOptions();

    @Override
    public SchemaOptions schemaOptions() {
        return mining;
    }

    @Option(names = "--output", required = true, description = "NAME.parquet (a Parquet directory in the"
            + " --output-format's columns), or the file(s) quarry mine writes (JSONL; npy: NAME.ids.npy...).")
    Path output;

    @Override
    public Integer call() {
        MineOptions options = mining.options();
        SparkMiningRequest request;
        SparkConf sparkConf;
        try {
            Placement where = Placement.parse(placement);
            MiningRequest mine = inputs.request(output, options, where == Placement.SHARDED).build();
            if (where == Placement.REPLICATED && (shards != null || shardCount != null || shardNlist != null)) {
                throw new IllegalArgumentException("--shards, --shard-count and --shard-nlist go with --placement sharded");
            }
            if (where == Placement.SHARDED && shards == null) {
                throw new IllegalArgumentException("--placement sharded needs --shards DIR");
            }
            if (partitions != null && partitions < 1) {
                throw new IllegalArgumentException("--partitions=" + partitions + ", expected >= 1");
            }
            request = new SparkMiningRequest(mine, where, partitions == null ? 0 : partitions, shards,
                    shardCount == null ? 0 : shardCount, shardNlist == null ? 0 : shardNlist);
            sparkConf = sparkConf();
        } catch (IllegalArgumentException e) {
            if (e instanceof dev.quarry.QuarryUsageException) {
                throw e;
            }
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        boolean ours = SparkSession.getDefaultSession().isEmpty(); // spark-submit's or a test's session stays up
        SparkSession spark = ours ? session(sparkConf) : SparkSession.getDefaultSession().get();
        try {
            MiningReport report = SparkMiner.run(spark, request, spec.commandLine().getErr());
            report.print(spec.commandLine().getOut(), request.request().config().describe());
            return ExitCodes.OK;
        } finally {
            if (ours) {
                spark.stop();
            }
        }
    }

    /**
     * The session's configuration: spark-submit's (its {@code spark.*} system properties), then {@code --master} and
     * {@code --conf}. A local master binds to loopback only; a cluster's executors get Quarry's JVM flags and jars, and
     * remove their copies of the jars when they stop ({@link ShippedJars}).
     */
    private SparkConf sparkConf() {
        SparkConf conf = new SparkConf().setAppName("quarry spark-mine");
        settings().forEach(conf::set);
        String url = master != null ? master : conf.get("spark.master", "local[*]");
        String problem = MasterUrl.problem(url);
        if (problem != null) {
            throw new IllegalArgumentException("--master=" + url + " (" + problem + "), expected " + MasterUrl.EXPECTED);
        }
        conf.setMaster(url);
        if (MasterUrl.isLocal(url)) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1").setIfMissing("spark.driver.bindAddress", "127.0.0.1")
                    .setIfMissing("spark.ui.enabled", "false");
            return conf;
        }
        String options = conf.get(EXECUTOR_OPTIONS, null);
        if (options == null) {
            conf.set(EXECUTOR_OPTIONS, JvmFlags.executorOptions());
        } else {
            JvmFlags.missingIn(options).ifPresent(flag -> {
                throw new IllegalArgumentException(EXECUTOR_OPTIONS + " lacks " + flag + ", which every executor needs:"
                        + " give all of `./quarry jvm-flags spark`, or leave it out and spark-mine sets them");
            });
        }
        // The copies of the jars Spark fetches into each executor's directory go when the executor stops.
        String plugins = conf.get(PLUGINS, "");
        if (!List.of(plugins.split(",")).contains(ShippedJars.class.getName())) {
            conf.set(PLUGINS, plugins.isBlank() ? ShippedJars.class.getName() : plugins + "," + ShippedJars.class.getName());
        }
        if (!conf.contains("spark.jars")) { // spark-submit lists the jars it ships; started alone, ship our own
            String jars = ownJars();
            if (!jars.isEmpty()) {
                conf.set("spark.jars", jars);
            }
        }
        return conf;
    }

    /** The {@code --conf} pairs, checked: a key is a Spark setting. */
    private Map<String, String> settings() {
        for (String key : settings.keySet()) {
            if (!key.startsWith("spark.")) {
                throw new IllegalArgumentException("--conf " + key + "=..., expected a Spark setting (spark.*)");
            }
        }
        return settings;
    }

    /** The jars holding quarry.jar's and this module's classes, comma-separated (none when run from classes). */
    private static String ownJars() {
        List<String> jars = new ArrayList<>();
        for (Class<?> c : List.of(dev.quarry.cli.ToolCommand.class, SparkMineCommand.class)) { // quarry.jar, this jar
            try {
                Path p = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
                if (Files.isRegularFile(p) && !jars.contains(p.toString())) {
                    jars.add(p.toString());
                }
            } catch (URISyntaxException | SecurityException | NullPointerException e) {
                // no jar to ship: the executors' class path must hold Quarry then
            }
        }
        return String.join(",", jars);
    }

    /**
     * The session on {@code conf}. A standalone master that answers no connection is refused at once (exit 3, the
     * URL named), and a cluster's run starts only once an executor has registered (within
     * {@value #EXECUTOR_WAIT_SECONDS} s, else exit 3): Spark would otherwise retry for a minute, or wait forever.
     */
    private static SparkSession session(SparkConf conf) {
        String url = conf.get("spark.master");
        MasterUrl.requireReachable(url);
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        if (!MasterUrl.isLocal(url)) {
            awaitExecutor(spark, url);
        }
        return spark;
    }

    private static void awaitExecutor(SparkSession spark, String url) {
        long deadline = System.nanoTime() + EXECUTOR_WAIT_SECONDS * 1_000_000_000L;
        while (spark.sparkContext().getExecutorMemoryStatus().size() < 2) { // the driver's block manager is one
            if (spark.sparkContext().isStopped() || System.nanoTime() > deadline) {
                boolean stopped = spark.sparkContext().isStopped();
                spark.stop();
                throw new QuarryDataException("--master", "master", url, stopped
                        ? "a Spark master that accepts the application (it stopped the application; its log says why)"
                        : "an executor within " + EXECUTOR_WAIT_SECONDS + " s (none registered: does a worker have a"
                        + " free core and the memory spark.executor.memory asks?)", null);
            }
            LockSupport.parkNanos(100_000_000L);
        }
    }
}
