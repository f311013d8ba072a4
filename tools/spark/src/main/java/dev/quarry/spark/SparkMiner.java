package dev.quarry.spark;

import dev.quarry.Progress;
import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.files.AtomicOutput;
import dev.quarry.files.OutputClaim;
import dev.quarry.files.OutputLock;
import dev.quarry.io.MinedOutput;
import dev.quarry.io.OutputFormat;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MiningStats;
import dev.quarry.mining.candidate.AnchorBlock;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import dev.quarry.options.Door;
import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import dev.quarry.options.OptionText;
import dev.quarry.options.Setting;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Mines on Spark what {@code quarry mine} mines on one machine. Two doors, one mining ({@link TableMining}):
 * {@link #mine} takes a Spark job's own anchors table ({@link AnchorTable}: ids, vectors or row numbers,
 * positives) and returns the mined set as a Dataset in the output format's columns; {@link #run} is
 * {@code quarry spark-mine}: it reads the labels from files as {@code quarry mine} does, makes the anchors
 * table of them and writes what {@code quarry mine} writes (JSONL or npy, byte for byte, folding the summary's
 * statistics anchor by anchor in output order), or a Parquet directory of the same rows through Spark's
 * writer. The executors open the stores and index from the same (shared) paths and run the engine's block
 * miner on their blocks, replicated or sharded ({@link Placement}), each block encoded on the spot.
 *
 * <p>Spark retries a failed task; a block's result depends only on its anchors and the options, so a retry
 * changes nothing. {@link #run} writes nothing in place before the run completes: files go to temp names and
 * are renamed at the end.
 */
public final class SparkMiner {
    private SparkMiner() {
    }

    /**
     * Mines the anchors of {@code anchors} against {@code corpus} with the options of {@code options}, named as
     * Spark's door names them ({@code numNegatives}, {@code outputFormat}, {@code rangeMax}...: {@code quarry
     * options} lists them). See {@link #mine(Dataset, SparkCorpus, MineOptions)}.
     *
     * @throws QuarryUsageException for an unknown option or a refused value, named as given
     */
    public static Dataset<Row> mine(Dataset<Row> anchors, SparkCorpus corpus, Map<String, String> options) {
        MineOptions read;
        try {
            read = OptionText.read(Door.SPARK, options, MineOptions.defaults());
        } catch (OptionError e) {
            Setting<?> s = MineSettings.byKey(e.field());
            throw new QuarryUsageException(s == null ? e.field() : Door.SPARK.name(s), e.value(),
                    Door.SPARK.spell(e.expected()));
        }
        return mine(anchors, corpus, read);
    }

    /**
     * Mines the anchors of {@code anchors} ({@link AnchorTable}'s columns) against {@code corpus}: the rows
     * {@code quarry mine} would write for them as JSONL lines, one row per line in the columns of the options'
     * output format (sentence-transformers' {@code anchor}, {@code positive}, {@code negative_1..n}... or
     * FlagEmbedding's {@code query}, {@code pos}, {@code neg}), in the table's order. Anchors given by row
     * number get {@code quarry mine}'s negatives for those rows; random sampling of an anchor given by its
     * vector is seeded by its position in the table.
     *
     * <p>The driver opens and checks the corpus's files, counts the table's rows (a Spark job) and checks that
     * the executors see the files; the mining runs when the returned Dataset is used, once per action (persist
     * it to use it twice; the table is read twice, once to count its rows and once to mine them, so persist a
     * table that is costly or not repeatable to compute: a partition that holds other rows the second time fails
     * its task). A value of the table that is wrong (an unknown positive id, a vector of another dimension)
     * fails that action with a {@link QuarryDataException} naming the anchor, the column and the value.
     *
     * @throws QuarryUsageException for a table without the columns it needs, an npy output format, or a
     *                              strategy other than {@code index}
     * @throws QuarryDataException for a corpus file that is missing or broken
     */
    public static Dataset<Row> mine(Dataset<Row> anchors, SparkCorpus corpus, MineOptions options) {
        AnchorTable.Shape shape = AnchorTable.shape(anchors.schema());
        SparkMiningRequest r = corpus.request(options);
        StructType columns = check(r);
        SparkSession spark = anchors.sparkSession();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        try (MiningInputs inputs = MiningInputs.openForWorkers(r.request(), VectorKernelsProvider.get())) {
            TableMining.Mined mined = new TableMining(sc, r, inputs, null, UUID.randomUUID().toString())
                    .mine(anchors, shape, true);
            return spark.createDataFrame(mined.blocks().flatMap(b -> Arrays.asList(b.rows()).iterator()), columns);
        } catch (Exception e) { // Spark's SparkException is checked but undeclared: Scala throws it anyway
            throw quarryCause(e);
        }
    }

    /** Runs {@code r} on {@code spark}; progress lines go to {@code progress} (may be null). */
    public static MiningReport run(SparkSession spark, SparkMiningRequest r, PrintWriter progress) {
        MiningRequest request = r.request();
        if (r.parquet() || request.outputOptions().format() != OutputFormat.NPY) {
            check(r); // refuses npy for Parquet, another strategy and --resume before anything is opened
        } else {
            checkStrategy(request);
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
            ParquetOutput parquet = r.parquet() ? ParquetOutput.create(request.output(),
                    TableMining.inputFiles(request)) : null;
            return new Run(spark, sc, r, inputs, parquet, progress).execute(files);
        } catch (Exception e) { // Spark's SparkException is checked but undeclared: Scala throws it anyway
            throw quarryCause(e);
        }
    }

    /** The output's columns, refusing what Spark does not mine: another strategy, --resume, npy as a table. */
    private static StructType check(SparkMiningRequest r) {
        checkStrategy(r.request());
        return ParquetShape.schema(r.request().outputOptions());
    }

    private static void checkStrategy(MiningRequest request) {
        if (!(request.strategy() instanceof IndexStrategySpec)) {
            throw new CommandSettingError(CommandSetting.STRATEGY, request.strategy().kind().cliName(),
                    "index (spark-mine"
                    + " mines nearest neighbours; the other strategies run with quarry mine)");
        }
        if (request.resume()) {
            throw new CommandSettingError(CommandSetting.RESUME, true,
                    "off (Spark retries failed tasks; a killed run starts"
                    + " over and replaces nothing until it completes)");
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

    /** One command-line run's driver side: the labels' anchors as a table, mined, written to files. */
    private static final class Run {
        private final SparkSession spark;
        private final JavaSparkContext sc;
        private final SparkMiningRequest r;
        private final MiningInputs inputs;
        private final ParquetOutput parquet;
        private final PrintWriter progress;
        private final String runId = UUID.randomUUID().toString();
        private final GroupTasks tasks = new GroupTasks(runId);

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
            TableMining mining = new TableMining(sc, r, inputs, progress, runId);
            long started = System.nanoTime();
            sc.setJobGroup(runId, "quarry spark-mine", true);
            StageTimes stages = new StageTimes();
            sc.sc().addSparkListener(stages);
            sc.sc().addSparkListener(tasks);
            JavaRDD<MinedBlock> mined = null;
            try {
                LabelledTable table = anchorsTable(plan.order(), mining.blockSize());
                mined = mining.mine(table.rows(), LABELLED, r.parquet(), table.counts()).blocks();
                mined.persist(StorageLevel.MEMORY_AND_DISK());
                MiningStats stats = parquet != null ? writeParquet(mined, started) : writeFiles(mined, files, started);
                double seconds = (System.nanoTime() - started) / 1e9;
                MiningReport report = MiningRunner.report(inputs, mining.source(), stats, files,
                        sc.defaultParallelism(), seconds, plan.order().length, 0);
                MiningSummary.write(report, request, inputs.config().describe());
                return report;
            } finally {
                if (mined != null) {
                    mined.unpersist(false);
                }
                WorkerInputs.release(runId);
                sc.sc().removeSparkListener(stages);
                sc.sc().removeSparkListener(tasks);
                sc.clearJobGroup();
                if (progress != null) {
                    stages.print(progress);
                }
            }
        }

        /**
         * The anchors table of the labels, in output order: per anchor its row, its positives and the rows it
         * must never get as negatives (its exclusions as {@code quarry mine} cuts them), as corpus rows. The
         * driver cuts the blocks ({@link BlockLayout}) and deals whole ones out, in order, to the partitions, so it
         * knows each partition's rows (the table is read once, by the mining); the executors make the rows, so
         * the driver holds no row objects.
         */
        private LabelledTable anchorsTable(int[] order, int blockSize) {
            BlockLayout blocks = new BlockLayout(order, inputs.labels().qrels(), inputs.knownPairs(),
                    inputs.anchorsAreCorpusRows(), blockSize);
            int partitions = Math.max(1, Math.min(blocks.blocks(),
                    r.partitions() > 0 ? r.partitions() : 2 * sc.defaultParallelism()));
            List<List<BlockInput>> dealt = new ArrayList<>(partitions);
            List<Long> counts = new ArrayList<>(partitions);
            for (int p = 0; p < partitions; p++) { // partition p: blocks [p * B / P, (p + 1) * B / P)
                List<BlockInput> part = new ArrayList<>();
                long rows = 0;
                for (int b = (int) ((long) p * blocks.blocks() / partitions);
                     b < (int) ((long) (p + 1) * blocks.blocks() / partitions); b++) {
                    AnchorBlock block = blocks.block(b);
                    part.add(new BlockInput(b, block.anchors(), block.positives(), block.exclusions(), null, null));
                    rows += block.anchors().length;
                }
                dealt.add(part);
                counts.add(rows);
            }
            // One element per slice: Spark's parallelize puts element p alone in partition p.
            JavaRDD<Row> rows = sc.parallelize(dealt, partitions).flatMap(part -> {
                List<Row> out = new ArrayList<>();
                for (BlockInput b : part) {
                    for (int i = 0; i < b.size(); i++) {
                        out.add(RowFactory.create(b.anchors()[i], boxed(b.positives()[i]),
                                boxed(b.exclusions()[i])));
                    }
                }
                return out.iterator();
            });
            return new LabelledTable(spark.createDataFrame(rows, LABELLED_COLUMNS), counts);
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
                MiningStats stats = fold(mined.toLocalIterator(), outs, started, "writing " + files.get(0).getFileName());
                for (AtomicOutput out : outs) {
                    out.commit();
                }
                return stats;
            } finally {
                outs.forEach(AtomicOutput::close); // deletes the temps of a failed run; a committed one is settled
            }
        }

        /** Parquet: the blocks' typed rows, written by Spark's Parquet writer. */
        private MiningStats writeParquet(JavaRDD<MinedBlock> mined, long started) {
            boolean done = false;
            try {
                JavaRDD<Row> rows = mined.flatMap(b -> Arrays.asList(b.rows()).iterator());
                spark.createDataFrame(rows, ParquetShape.schema(r.request().outputOptions()))
                        .write().parquet(parquet.temp().toString());
                say("mined and written; folding the statistics");
                MiningStats stats = fold(mined.map(MinedBlock::withoutOutput).toLocalIterator(), List.of(), started,
                        "folding the statistics");
                parquet.commit();
                done = true;
                return stats;
            } finally {
                if (!done) { // (Spark's exceptions are checked ones thrown unchecked: no catch clause sees them)
                    // A failed job's other tasks may still be writing their part files: stop them, and wait until
                    // they have ended (a stage is reported over before its killed tasks are), then delete.
                    sc.cancelJobGroup(runId);
                    awaitTasksEnded();
                    parquet.abandon();
                }
            }
        }

        /** Waits (at most 30 s) for the tasks of this run's jobs to end; an interrupt is kept for the caller. */
        private void awaitTasksEnded() {
            try {
                tasks.awaitEnded(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /**
         * Folds the blocks, in order, into the statistics, appending their bytes to {@code outs}; {@code step} says what
         * that is ({@code writing mined.jsonl}). The blocks arrive here only once every one was mined, so the lines
         * printed meanwhile are this step's own (its pace and what is left of it, counted from its start) and never
         * read as the mining's; the closing line counts from the run's start ({@code started}), as the summary does.
         */
        private MiningStats fold(Iterator<MinedBlock> blocks, List<AtomicOutput> outs, long started, String step) {
            MiningStats stats = new MiningStats(inputs.config());
            int total = inputs.anchors().ordinals().length;
            Progress folding = new Progress("spark-mine: " + step, "anchors", total, progress);
            Progress bar = new Progress("spark-mine", "anchors", total, progress, WHOLE_RUN, 0, started);
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
                folding.advance(anchors.length);
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

    /** The command line's anchors table and the rows of each of its partitions. */
    private record LabelledTable(Dataset<Row> rows, List<Long> counts) {
    }

    /** The command line's anchors table: rows of the anchors' store, positives and exclusions as corpus rows. */
    /** A report interval longer than any run: a progress that prints its closing line only. */
    private static final long WHOLE_RUN = TimeUnit.DAYS.toNanos(365);

    private static final StructType LABELLED_COLUMNS = DataTypes.createStructType(List.of(
            DataTypes.createStructField(AnchorTable.ROW, DataTypes.IntegerType, false),
            DataTypes.createStructField(AnchorTable.POSITIVES, DataTypes.createArrayType(DataTypes.IntegerType, false),
                    false),
            DataTypes.createStructField(AnchorTable.KNOWN_POSITIVES,
                    DataTypes.createArrayType(DataTypes.IntegerType, false), false)));
    private static final AnchorTable.Shape LABELLED = AnchorTable.shape(LABELLED_COLUMNS);

    private static Object boxed(int[] values) {
        List<Integer> out = new ArrayList<>(values.length);
        for (int v : values) {
            out.add(v);
        }
        return MinedRows.seq(out);
    }
}
