package dev.quarry.spark;

import dev.quarry.Progress;
import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.files.AtomicOutput;
import dev.quarry.files.OutputClaim;
import dev.quarry.files.OutputLock;
import dev.quarry.io.MinedOutput;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MiningStats;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import dev.quarry.pipeline.BlockLayout;
import dev.quarry.pipeline.IndexStrategySpec;
import dev.quarry.pipeline.MiningInputs;
import dev.quarry.pipeline.MiningReport;
import dev.quarry.pipeline.MiningRequest;
import dev.quarry.pipeline.MiningRunner;
import dev.quarry.pipeline.MiningSummary;
import dev.quarry.pipeline.SourcePlan;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * Mines on Spark what {@code quarry mine} mines on one machine, with the same output. The driver runs the
 * engine's first stages itself (claim the files, open and check the inputs, resolve labels and anchors, cut
 * the anchors into blocks: {@link MiningRunner#inputsOf}, {@link MiningInputs}, {@link BlockLayout}); the
 * executors open the stores and index from the same (shared) paths and run the engine's block miner on
 * their blocks, replicated or sharded ({@link Placement}), encoding each block with the engine's encoder.
 * The driver then writes the blocks in order (JSONL or npy, byte-identical to one machine) or Spark writes
 * them as Parquet, and the statistics are folded anchor by anchor in output order, as the pipeline folds
 * them, so the summary's figures are the same too.
 *
 * <p>Spark retries a failed task; a block's result depends only on its anchors and the options, so a retry
 * changes nothing. Nothing is written in place before the run completes: files go to temp names and are
 * renamed at the end.
 */
public final class SparkMiner {
    /** Kernel work above which the executors warm the kernels up (the rule of {@code quarry mine}). */
    private static final double WARM_UP_FLOPS = 2e9;

    private SparkMiner() {
    }

    /** Runs {@code r} on {@code spark}; progress lines go to {@code progress} (may be null). */
    public static MiningReport run(SparkSession spark, SparkMiningRequest r, PrintWriter progress) {
        MiningRequest request = r.request();
        if (!(request.strategy() instanceof IndexStrategySpec)) {
            throw new CommandSettingError(CommandSetting.STRATEGY,
                    request.strategy().kind().cliName(), "index (spark-mine"
                    + " mines nearest neighbours; the other strategies run with quarry mine)");
        }
        if (request.resume()) {
            throw new CommandSettingError(CommandSetting.RESUME,
                    true, "off (Spark retries failed tasks; a killed run starts"
                    + " over and replaces nothing until it completes)");
        }
        if (r.placement() == Placement.SHARDED && (r.shards() == null || request.index() != null)) {
            throw new CommandSettingError(CommandSetting.SHARDS,
                    r.shards(), "a shard layout directory with flat index (each"
                    + " shard has its own index: --shard-nlist builds IVF ones)");
        }
        if (r.parquet()) {
            ParquetShape.schema(request.outputOptions()); // refuses npy before anything is opened
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        VectorKernels kernels = VectorKernelsProvider.get();
        List<Path> files = r.parquet() ? List.of(request.output())
                : MinedOutput.filesFor(request.output(), request.outputOptions().format());
        OutputClaim.Builder claim = MiningRunner.inputsOf(request).output(request.summaryFile());
        if (!r.parquet()) {
            files.forEach(claim::output);
        }
        try (OutputClaim claimed = claim.claim();
             OutputLock parquetLock = r.parquet() ? OutputLock.acquire(request.output()) : null;
             MiningInputs inputs = MiningInputs.open(request, kernels, progress)) {
            ParquetOutput parquet = r.parquet() ? ParquetOutput.create(request.output(), inputFiles(request)) : null;
            return new Run(spark, sc, r, inputs, parquet, progress).execute(files);
        } catch (Exception e) { // Spark's SparkException is checked but undeclared: Scala throws it anyway
            throw quarryCause(e);
        }
    }

    /**
     * What a failed job says: the task's own {@link QuarryDataException} or {@link QuarryUsageException} when a
     * task threw one (an input that changed or broke under the run: the user's error, with Quarry's message and
     * exit code), else the job's failure.
     */
    private static RuntimeException quarryCause(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof QuarryDataException || t instanceof QuarryUsageException) {
                return (RuntimeException) t;
            }
        }
        return e instanceof RuntimeException re ? re
                : new IllegalStateException("the Spark job failed: " + e.getMessage(), e);
    }

    private static List<Path> inputFiles(MiningRequest q) {
        return Arrays.asList(q.corpus(), q.queries(), q.qrels(), q.knownPositives(), q.anchors(), q.corpusIds(),
                q.queriesIds(), q.corpusText(), q.queriesText(), q.index());
    }

    /** One run's driver side. */
    private static final class Run {
        private final SparkSession spark;
        private final JavaSparkContext sc;
        private final SparkMiningRequest r;
        private final MiningInputs inputs;
        private final ParquetOutput parquet;
        private final PrintWriter progress;
        private final String runId = UUID.randomUUID().toString();

        Run(SparkSession spark, JavaSparkContext sc, SparkMiningRequest r, MiningInputs inputs, ParquetOutput parquet,
            PrintWriter progress) {
            this.spark = spark;
            this.sc = sc;
            this.r = r;
            this.inputs = inputs;
            this.parquet = parquet;
            this.progress = progress;
        }

        MiningReport execute(List<Path> files) {
            MiningRequest request = r.request();
            SourcePlan plan = request.strategy().plan(inputs);
            ShardLayout layout = r.placement() == Placement.SHARDED ? shards() : null;
            String source = layout == null ? plan.name() : shardedName(layout);
            int blockSize = request.blockSize() > 0 ? request.blockSize()
                    : layout == null ? request.effectiveBlockSize() : layout.ivf() ? 8192 : 256;
            BlockLayout blocks = new BlockLayout(plan.order(), inputs.labels().qrels(), inputs.knownPairs(),
                    inputs.anchorsAreCorpusRows(), blockSize);
            List<BlockInput> list = new ArrayList<>(blocks.blocks());
            for (int b = 0; b < blocks.blocks(); b++) {
                list.add(BlockInput.of(b, blocks.block(b)));
            }
            int partitions = Math.max(1, Math.min(blocks.blocks(),
                    r.partitions() > 0 ? r.partitions() : 2 * sc.defaultParallelism()));
            boolean warmUp = plan.flopsPerAnchor() * plan.order().length > WARM_UP_FLOPS;
            WorkerSpec spec = WorkerSpec.of(runId, request, inputs.config(), layout == null ? null : layout.dir(),
                    warmUp);
            ExecutorPaths.requireVisible(sc, executorFiles(layout)); // a cluster's executors see the driver's files
            say(String.format(Locale.ROOT, "mining %,d anchors on %s: %s placement, %d partitions of blocks of %d"
                            + " anchors, %s", plan.order().length, sc.master(), r.placement().cliName(), partitions,
                    blockSize, source));
            long started = System.nanoTime();
            sc.setJobGroup(runId, "quarry spark-mine", true);
            StageTimes stages = new StageTimes();
            sc.sc().addSparkListener(stages);
            JavaRDD<BlockInput> blockRdd = sc.parallelize(list, partitions);
            JavaRDD<MinedBlock> mined = layout == null ? blockRdd.mapPartitions(new ReplicatedMining(spec))
                    : sharded(blockRdd, layout, spec, partitions, blocks.blocks(), source);
            mined.persist(StorageLevel.MEMORY_AND_DISK());
            try {
                MiningStats stats = parquet != null ? writeParquet(mined, started) : writeFiles(mined, files, started);
                double seconds = (System.nanoTime() - started) / 1e9;
                MiningReport report = MiningRunner.report(inputs, source, stats, files, sc.defaultParallelism(),
                        seconds, plan.order().length, 0);
                MiningSummary.write(report, request, inputs.config().describe());
                return report;
            } finally {
                mined.unpersist(false);
                WorkerInputs.release(runId);
                sc.sc().removeSparkListener(stages);
                sc.clearJobGroup();
                if (progress != null) {
                    stages.print(progress);
                }
            }
        }

        private ShardLayout shards() {
            String checksum = inputs.corpus().content(progress).checksumHex();
            ShardLayout layout;
            if (ShardLayout.exists(r.shards())) {
                layout = ShardLayout.read(r.shards());
                if (r.shardCount() > 0 && r.shardCount() != layout.shards().size()) {
                    throw new CommandSettingError(CommandSetting.SHARD_COUNT,
                            r.shardCount(), "the " + layout.shards().size()
                            + " shards of the layout in " + r.shards() + " (or another directory to cut anew)");
                }
            } else if (r.shardCount() > 0) {
                say("cutting the corpus into " + r.shardCount() + " shards in " + r.shards()
                        + (r.shardNlist() > 0 ? " (IVF, " + r.shardNlist() + " lists each)" : ""));
                layout = ShardLayout.build(inputs.corpus(), checksum, r.shardCount(), r.shardNlist(), r.shards(), sc,
                        progress);
            } else {
                throw new CommandSettingError(CommandSetting.SHARDS, r.shards(), "a directory holding a shard layout ("
                        + ShardLayout.MANIFEST + "), or a shard count to cut one");
            }
            layout.requireCutFrom(inputs.corpus(), checksum);
            for (int s = 0; s < layout.shards().size(); s++) { // a damaged shard fails here, not in a task
                layout.open(s, inputs.kernels()).close();
            }
            return layout;
        }

        /** The files the executors open: the request's inputs, and the shard layout's. */
        private List<Path> executorFiles(ShardLayout layout) {
            List<Path> files = new ArrayList<>(inputFiles(r.request()));
            if (layout != null) {
                files.add(layout.dir().resolve(ShardLayout.MANIFEST));
                for (ShardLayout.Entry e : layout.shards()) {
                    files.add(layout.dir().resolve(e.store()));
                    if (e.ivf() != null) {
                        files.add(layout.dir().resolve(e.ivf()));
                    }
                }
            }
            return files;
        }

        private String shardedName(ShardLayout layout) {
            return (layout.ivf() ? "ivf" : "flat") + ", " + layout.shards().size() + " shards";
        }

        private static JavaRDD<MinedBlock> sharded(JavaRDD<BlockInput> blocks, ShardLayout layout, WorkerSpec spec,
                                                   int partitions, int blockCount, String source) {
            List<Integer> numbers = new ArrayList<>();
            for (int s = 0; s < layout.shards().size(); s++) {
                numbers.add(s);
            }
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(blocks.context());
            return blocks.cartesian(sc.parallelize(numbers, numbers.size()))
                    .mapPartitionsToPair(new ShardedMining.Search(spec))
                    .reduceByKey(new ShardedMining.BlockPartitioner(partitions, blockCount), ShardCandidates::merge)
                    .mapPartitions(new ShardedMining.Reduce(spec, source));
        }

        /** JSONL or npy: every block mined in parallel first, then appended in order by this (single) writer. */
        private MiningStats writeFiles(JavaRDD<MinedBlock> mined, List<Path> files, long started) {
            mined.count();
            say("mined; writing " + files.get(0) + (files.size() > 1 ? " (+" + (files.size() - 1) + ")" : ""));
            MinedOutput output = new MinedOutput(r.request().output(), r.request().outputOptions(), null);
            byte[][] headers = output.headers(inputs.anchors().ordinals().length);
            List<AtomicOutput> outs = new ArrayList<>();
            try {
                for (int i = 0; i < files.size(); i++) {
                    outs.add(AtomicOutput.create(files.get(i)));
                    outs.get(i).writeFully(headers[i]);
                }
                MiningStats stats = fold(mined.toLocalIterator(), outs, started);
                for (AtomicOutput out : outs) {
                    out.commit();
                }
                return stats;
            } finally {
                outs.forEach(AtomicOutput::close); // deletes the temps of a failed run; a committed one is settled
            }
        }

        /** Parquet: Spark reads the engine's JSONL lines with the format's schema and writes them. */
        private MiningStats writeParquet(JavaRDD<MinedBlock> mined, long started) {
            boolean done = false;
            try {
                JavaRDD<String> lines = mined.flatMap(b -> Arrays.asList(
                        new String(b.bytes()[0], StandardCharsets.UTF_8).split("\n")).iterator())
                        .filter(line -> !line.isEmpty());
                spark.read().schema(ParquetShape.schema(r.request().outputOptions())).option("mode", "FAILFAST")
                        .json(spark.createDataset(lines.rdd(), Encoders.STRING()))
                        .write().parquet(parquet.temp().toString());
                say("mined and written; folding the statistics");
                MiningStats stats = fold(mined.map(MinedBlock::withoutBytes).toLocalIterator(), List.of(), started);
                parquet.commit();
                done = true;
                return stats;
            } finally {
                if (!done) { // (Spark's exceptions are checked ones thrown unchecked: no catch clause sees them)
                    // A failed job's other tasks may still be writing their part files: stop them first.
                    sc.cancelJobGroup(runId);
                    for (int i = 0; i < 300 && sc.statusTracker().getActiveStageIds().length > 0; i++) {
                        LockSupport.parkNanos(100_000_000L);
                    }
                    parquet.abandon();
                }
            }
        }

        /**
         * Folds the blocks, in order, into the statistics, appending their bytes to {@code outs}. Its progress counts
         * from the run's start ({@code started}), as the summary does: the blocks arrive here only once mined.
         */
        private MiningStats fold(Iterator<MinedBlock> blocks, List<AtomicOutput> outs, long started) {
            MiningStats stats = new MiningStats(inputs.config());
            Progress bar = new Progress("spark-mine", "anchors", inputs.anchors().ordinals().length, progress,
                    2_000_000_000L, 0, started);
            int expected = 0;
            while (blocks.hasNext()) {
                MinedBlock b = blocks.next();
                if (b.block() != expected) {
                    throw new IllegalStateException("block " + b.block() + " arrived where block " + expected
                            + " belongs");
                }
                expected++;
                for (int i = 0; i < outs.size(); i++) {
                    outs.get(i).writeFully(b.bytes()[i]);
                }
                MinedAnchor[] anchors = b.anchorsMined();
                for (MinedAnchor a : anchors) {
                    stats.add(a);
                }
                bar.advance(anchors.length);
            }
            bar.finish();
            return stats;
        }

        private void say(String line) {
            if (progress != null) {
                progress.println("spark-mine: " + line);
                progress.flush();
            }
        }
    }
}
