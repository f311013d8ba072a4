package dev.quarry.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.pipeline.MiningInputs;
import dev.quarry.pipeline.MiningRequest;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How often the anchors table is read: {@code quarry spark-mine} makes its table on the driver and knows each
 * partition's rows, so the mining reads it once; a Spark job's own table is counted first (a job of its own),
 * and a partition that holds other rows than counted fails instead of numbering blocks wrong.
 */
class AnchorsTableReadsTest {
    /** The call site of the count job ({@code rows.mapPartitions(...).collect()} in TableMining). */
    private static final String COUNT_STAGE = "collect at TableMining.java";
    private static final String MARKER = "anchors-table-reads-marker";

    @TempDir
    static Path dir;
    static Catalog catalog;
    static SparkSession spark;
    static JavaSparkContext sc;

    @BeforeAll
    static void setUp() {
        catalog = Catalog.write(dir);
        spark = SharedSpark.get();
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    /** The names of the stages that completed while {@code run} ran (every event delivered: a marker job after). */
    private static List<String> stagesOf(Runnable run) throws InterruptedException {
        List<String> names = new ArrayList<>();
        CountDownLatch marked = new CountDownLatch(1);
        SparkListener listener = new SparkListener() {
            @Override
            public void onStageCompleted(SparkListenerStageCompleted completed) {
                String name = completed.stageInfo().name();
                synchronized (names) {
                    names.add(name);
                }
                if (name.startsWith(MARKER)) {
                    marked.countDown();
                }
            }
        };
        sc.sc().addSparkListener(listener);
        try {
            run.run();
            // Spark's listener bus delivers in order: once the marker's stage arrived, every earlier one has.
            sc.setCallSite(MARKER);
            sc.parallelize(List.of(1), 1).count();
            sc.clearCallSite();
            assertTrue(marked.await(60, TimeUnit.SECONDS), "the marker stage's event arrived");
        } finally {
            sc.sc().removeSparkListener(listener);
        }
        synchronized (names) {
            return List.copyOf(names);
        }
    }

    @Test
    void theCommandLinesTableIsReadOnlyByTheMining() throws Exception {
        MiningConfig config = MiningConfig.defaults().withNumNegatives(3).withRange(1, 30);
        OutputOptions options = Catalog.options(OutputFormat.N_TUPLE, 3);
        Path one = dir.resolve("one.jsonl");
        catalog.mineOnOneMachine(catalog.request(one, config, options));
        Path out = dir.resolve("spark.jsonl");
        MiningRequest request = catalog.builder(out, config, options).blockSize(30).build();
        List<String> stages = stagesOf(() -> SparkMiner.run(spark, SparkMiningRequest.replicated(request, 4), null));
        assertFalse(stages.stream().anyMatch(s -> s.startsWith(COUNT_STAGE)), "no count job: " + stages);
        assertArrayEquals(Files.readAllBytes(one), Files.readAllBytes(out), "4 partitions of whole blocks of 30");
    }

    @Test
    void aSparkJobsTableIsCountedFirst() throws Exception {
        SparkCorpus corpus = SparkCorpus.of(catalog.corpus()).withAnchors(catalog.queries(), null, null);
        Dataset<Row> table = rowTable(3);
        List<String> stages = stagesOf(() -> SparkMiner.mine(table, corpus, Map.of()));
        assertTrue(stages.stream().anyMatch(s -> s.startsWith(COUNT_STAGE)), "the count job: " + stages);
    }

    @Test
    void aPartitionHoldingOtherRowsThanCountedFailsItsTask() throws IOException {
        MiningRequest request = catalog.request(dir.resolve("never.jsonl"), MiningConfig.defaults(),
                Catalog.options(OutputFormat.N_TUPLE, 3));
        SparkMiningRequest r = SparkMiningRequest.replicated(request, 2);
        Dataset<Row> table = rowTable(2);
        try (MiningInputs inputs = MiningInputs.openForWorkers(request, VectorKernelsProvider.get())) {
            TableMining.Mined mined = new TableMining(sc, r, inputs, null, "reads-test")
                    .mine(table, AnchorTable.shape(table.schema()), false, List.of(150L, 200L));
            Exception failed = assertThrows(Exception.class, () -> mined.blocks().count());
            Throwable e = failed;
            while (e != null && !(e.getMessage() != null && e.getMessage().contains("where the driver counted"))) {
                e = e.getCause();
            }
            assertTrue(e != null && e.getMessage().contains("partition 0 of the anchors table held 200 rows where"
                    + " the driver counted 150"), "the task names the partition and both counts: " + failed);
        }
        assertFalse(Files.exists(dir.resolve("never.jsonl")));
    }

    /** Every anchor by its row of the queries' store, its positive as a corpus row, in {@code partitions}. */
    private static Dataset<Row> rowTable(int partitions) throws IOException {
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("row", DataTypes.IntegerType, false),
                DataTypes.createStructField("positives", DataTypes.createArrayType(DataTypes.IntegerType), false)));
        List<Row> rows = new ArrayList<>();
        List<String> qrels = Files.readAllLines(catalog.qrels());
        for (int i = 0; i < Catalog.ANCHORS; i++) {
            rows.add(RowFactory.create(i, MinedRows.seq(List.of(Integer.parseInt(qrels.get(i).split("\t")[1])))));
        }
        return spark.createDataFrame(sc.parallelize(rows, partitions), schema);
    }
}
