package dev.quarry.spark;

import dev.quarry.QuarryUsageException;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import dev.quarry.pipeline.MiningInputs;
import dev.quarry.pipeline.MiningRequest;
import dev.quarry.pipeline.SourcePlan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The mining of an anchors table ({@link AnchorTable}), what both doors run: {@link SparkMiner#mine}'s
 * Dataset and {@code quarry spark-mine}'s files. The driver prepares the corpus's placement (the shard
 * layout, cut when asked), counts the table's rows per partition unless it knows them (so that blocks are
 * numbered in the table's order), and checks that the executors see its files; the executors cut their partitions into
 * blocks and run the engine's block miner on them, replicated or sharded ({@link Placement}), each block
 * encoded on the spot: file bytes, or table rows. Blocks keep the table's order.
 */
final class TableMining {
    /** Kernel work above which the executors warm the kernels up (the rule of {@code quarry mine}). */
    private static final double WARM_UP_FLOPS = 2e9;

    private final JavaSparkContext sc;
    private final SparkMiningRequest r;
    private final MiningInputs inputs;
    private final PrintWriter progress;
    private final String runId;
    private final ShardLayout layout;

    /**
     * @param inputs the run's inputs as the driver opened and checked them (labels not needed)
     * @param progress where progress lines go, or null
     */
    TableMining(JavaSparkContext sc, SparkMiningRequest r, MiningInputs inputs, PrintWriter progress, String runId) {
        if (r.placement() == Placement.SHARDED && (r.shards() == null || r.request().index() != null)) {
            throw new CommandSettingError(CommandSetting.SHARDS, r.shards(),
                    "a shard layout directory with flat index (each"
                    + " shard has its own index: --shard-nlist builds IVF ones)");
        }
        this.sc = sc;
        this.r = r;
        this.inputs = inputs;
        this.progress = progress;
        this.runId = runId;
        this.layout = r.placement() == Placement.SHARDED ? shards() : null;
    }

    /** Where candidates come from, as the summary names it ({@code ivf nlist=...}, {@code flat, 3 shards}). */
    String source() {
        return layout == null ? inputs.index().describe()
                : (layout.ivf() ? "ivf" : "flat") + ", " + layout.shards().size() + " shards";
    }

    /** Anchors per block: the request's, else 256 for flat search and 8,192 for IVF (a block shares lists). */
    int blockSize() {
        MiningRequest request = r.request();
        return request.blockSize() > 0 ? request.blockSize()
                : layout == null ? request.effectiveBlockSize() : layout.ivf() ? 8192 : 256;
    }

    /**
     * The blocks of {@code table} (of {@code shape}) mined, in the table's order: block {@code b} holds the
     * anchors {@code [b * blockSize, ...)} of its partition's rows, numbered after the earlier partitions'.
     *
     * @param tableRows encode the blocks as rows of the output format's columns (else as file bytes)
     */
    Mined mine(Dataset<Row> table, AnchorTable.Shape shape, boolean tableRows) {
        return mine(table, shape, tableRows, null);
    }

    /**
     * As {@link #mine(Dataset, AnchorTable.Shape, boolean)}, with the rows of each of the table's partitions known
     * to the driver ({@code counts}, the command line's table, made there): the table is then read once, by the
     * mining, instead of once more to count them. A partition that holds another count fails its task.
     *
     * @param counts the rows of each partition of {@code table}, or null: count them (a Spark job)
     */
    Mined mine(Dataset<Row> table, AnchorTable.Shape shape, boolean tableRows, List<Long> counts) {
        JavaRDD<Row> rows = table.javaRDD();
        if (counts == null) {
            counts = rows.mapPartitions(TableMining::count).collect();
        } else if (counts.size() != rows.getNumPartitions()) {
            throw new IllegalArgumentException(counts.size() + " partition counts for a table of "
                    + rows.getNumPartitions() + " partitions");
        }
        int partitions = counts.size();
        long[] rowCounts = new long[partitions];
        long[] rowOffsets = new long[partitions];
        int[] blockOffsets = new int[partitions];
        long anchors = 0;
        long blocks = 0;
        for (int p = 0; p < partitions; p++) {
            rowOffsets[p] = anchors;
            rowCounts[p] = counts.get(p);
            blockOffsets[p] = (int) blocks;
            anchors += counts.get(p);
            blocks += Math.ceilDiv(counts.get(p), (long) blockSize());
            if (blocks > Integer.MAX_VALUE) {
                throw new QuarryUsageException("blockSize", blockSize(), "blocks of more anchors: " + anchors
                        + " anchors make more than " + Integer.MAX_VALUE + " blocks");
            }
        }
        double flops = SourcePlan.searchFlops(inputs.index(), r.request().nprobe()) * anchors;
        WorkerSpec spec = WorkerSpec.of(runId, r.request(), inputs.config(), layout == null ? null : layout.dir(),
                flops > WARM_UP_FLOPS, tableRows);
        ExecutorPaths.requireVisible(sc, executorFiles()); // a cluster's executors see the driver's files
        say(String.format(Locale.ROOT, "mining %,d anchors on %s: %s placement, %d partitions of blocks of %d"
                        + " anchors, %s", anchors, sc.master(), r.placement().cliName(), partitions, blockSize(),
                source()));
        JavaRDD<BlockInput> cut = rows.mapPartitionsWithIndex(new AnchorTable.Cut(spec, shape, blockSize(),
                rowOffsets, rowCounts, blockOffsets), true);
        JavaRDD<MinedBlock> mined = layout == null ? cut.mapPartitions(new ReplicatedMining(spec))
                : blocks == 0 ? sc.emptyRDD() : sharded(cut, spec, partitions, (int) blocks);
        return new Mined(mined, anchors);
    }

    /**
     * A table's mined blocks.
     *
     * @param blocks every block, in output order
     * @param anchors the table's rows
     */
    record Mined(JavaRDD<MinedBlock> blocks, long anchors) {
    }

    private static Iterator<Long> count(Iterator<Row> rows) {
        long n = 0;
        for (; rows.hasNext(); rows.next()) {
            n++;
        }
        return List.of(n).iterator();
    }

    private JavaRDD<MinedBlock> sharded(JavaRDD<BlockInput> blocks, WorkerSpec spec, int partitions, int blockCount) {
        List<Integer> numbers = new ArrayList<>();
        for (int s = 0; s < layout.shards().size(); s++) {
            numbers.add(s);
        }
        return blocks.cartesian(sc.parallelize(numbers, numbers.size()))
                .mapPartitionsToPair(new ShardedMining.Search(spec))
                .reduceByKey(new ShardedMining.BlockPartitioner(partitions, blockCount), ShardCandidates::merge)
                .mapPartitions(new ShardedMining.Reduce(spec, source()));
    }

    private ShardLayout shards() {
        String checksum = inputs.corpus().content(progress).checksumHex();
        ShardLayout cut;
        if (ShardLayout.exists(r.shards())) {
            cut = ShardLayout.read(r.shards());
            if (r.shardCount() > 0 && r.shardCount() != cut.shards().size()) {
                throw new CommandSettingError(CommandSetting.SHARD_COUNT, r.shardCount(), "the " + cut.shards().size()
                        + " shards of the layout in " + r.shards() + " (or another directory to cut anew)");
            }
        } else if (r.shardCount() > 0) {
            say("cutting the corpus into " + r.shardCount() + " shards in " + r.shards()
                    + (r.shardNlist() > 0 ? " (IVF, " + r.shardNlist() + " lists each)" : ""));
            cut = ShardLayout.build(inputs.corpus(), checksum, r.shardCount(), r.shardNlist(), r.shards(), sc,
                    progress);
        } else {
            throw new CommandSettingError(CommandSetting.SHARDS, r.shards(), "a directory holding a shard layout ("
                    + ShardLayout.MANIFEST + "), or a shard count to cut one");
        }
        cut.requireCutFrom(inputs.corpus(), checksum);
        for (int s = 0; s < cut.shards().size(); s++) { // a damaged shard fails here, not in a task
            cut.open(s, inputs.kernels()).close();
        }
        return cut;
    }

    /** The files the executors open: the request's inputs, and the shard layout's. */
    private List<Path> executorFiles() {
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

    /** Every input file a request names (null where it names none). */
    static List<Path> inputFiles(MiningRequest q) {
        return Arrays.asList(q.corpus(), q.queries(), q.qrels(), q.knownPositives(), q.anchors(), q.corpusIds(),
                q.queriesIds(), q.corpusText(), q.queriesText(), q.index());
    }

    private void say(String line) {
        if (progress != null) {
            progress.println("spark-mine: " + line);
            progress.flush();
        }
    }
}
