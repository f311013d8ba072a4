package dev.quarry.spark;

import dev.quarry.cli.ExitCodes;
import dev.quarry.cli.MiningInputOptions;
import dev.quarry.cli.SchemaOptions;
import dev.quarry.options.MineOptions;
import dev.quarry.pipeline.MiningReport;
import dev.quarry.pipeline.MiningRequest;
import java.nio.file.Path;
import java.util.concurrent.Callable;
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

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--master", description = "Spark master URL (default: the one spark-submit set, else local[*]).")
    String master;

    @Option(names = "--placement", defaultValue = "replicated", description = "replicated (every executor maps the"
            + " corpus) or sharded (each task searches one shard) (default: ${DEFAULT-VALUE}).")
    String placement;

    @Option(names = "--partitions", description = "Partitions of the anchors (default: twice Spark's default"
            + " parallelism, at most one per block).")
    Integer partitions;

    @Option(names = "--shards", description = "sharded: the shard layout's directory (used when it holds one,"
            + " cut from the corpus with --shard-count otherwise).")
    Path shards;

    @Option(names = "--shard-count", description = "sharded: shards to cut when --shards holds no layout.")
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
        } catch (IllegalArgumentException e) {
            if (e instanceof dev.quarry.QuarryUsageException) {
                throw e;
            }
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        boolean ours = SparkSession.getDefaultSession().isEmpty(); // spark-submit's or a test's session stays up
        SparkSession spark = session();
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

    /** The session: spark-submit's configuration when there is one; a local master binds to loopback only. */
    private SparkSession session() {
        SparkConf conf = new SparkConf().setAppName("quarry spark-mine");
        String url = master != null ? master : conf.get("spark.master", "local[*]");
        conf.setMaster(url);
        if (url.startsWith("local")) {
            conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                    .set("spark.ui.enabled", "false");
        }
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        return spark;
    }
}
