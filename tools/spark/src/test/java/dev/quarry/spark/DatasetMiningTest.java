package dev.quarry.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.SamplingStrategy;
import dev.quarry.options.MineOptions;
import dev.quarry.pipeline.MiningRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
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
 * {@link SparkMiner#mine}: a Spark job's own anchors table in, the mined rows out, holding what {@code quarry
 * mine} writes for the same anchors, whether the table gives them by row number or by vector.
 */
class DatasetMiningTest {
    @TempDir
    static Path dir;
    static Catalog catalog;
    static SparkSession spark;
    static List<Integer> positives = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        catalog = Catalog.write(dir);
        spark = SharedSpark.get();
        for (String line : Files.readAllLines(catalog.qrels())) {
            positives.add(Integer.parseInt(line.split("\t")[1]));
        }
    }

    private static Dataset<Row> table(List<Row> rows, StructType schema, int partitions) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(sc.parallelize(rows, partitions), schema);
    }

    /** Anchors by row of the queries' store, positives as corpus ids (strings), in three partitions. */
    private static Dataset<Row> rowTable() {
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("row", DataTypes.LongType, false),
                DataTypes.createStructField("positives", DataTypes.createArrayType(DataTypes.StringType), false),
                DataTypes.createStructField("label_source", DataTypes.StringType, true))); // ignored
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < Catalog.ANCHORS; i++) {
            rows.add(RowFactory.create((long) i, MinedRows.seq(List.of(String.valueOf(positives.get(i)))), "qrels"));
        }
        return table(rows, schema, 3);
    }

    /** Anchors by vector (the queries' rows) named by id, positives as corpus rows (ints), in two partitions. */
    private static Dataset<Row> vectorTable(int dim) {
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("id", DataTypes.StringType, true),
                DataTypes.createStructField("vector", DataTypes.createArrayType(DataTypes.FloatType), true),
                DataTypes.createStructField("positives", DataTypes.createArrayType(DataTypes.IntegerType), true)));
        List<Row> rows = new ArrayList<>();
        List<List<Float>> vectors = catalog.anchorVectors(dim);
        for (int i = 0; i < Catalog.ANCHORS; i++) {
            rows.add(RowFactory.create(String.valueOf(i), MinedRows.seq(vectors.get(i)),
                    MinedRows.seq(List.of(positives.get(i)))));
        }
        return table(rows, schema, 2);
    }

    private static Path mineOnOneMachine(String name, MiningConfig config, OutputOptions options) {
        Path one = dir.resolve(name);
        catalog.mineOnOneMachine(catalog.request(one, config, options));
        return one;
    }

    @Test
    void anchorsGivenByRowGetTheLinesMineWritesAsRows() throws IOException {
        MiningConfig config = MiningConfig.defaults().withNumNegatives(4).withRange(2, 60);
        OutputOptions options = Catalog.options(OutputFormat.N_TUPLE, 4);
        Path one = mineOnOneMachine("rows-one.jsonl", config, options);
        MineOptions given = catalog.request(one, config, options).options();
        SparkCorpus corpus = SparkCorpus.of(catalog.corpus()).withAnchors(catalog.queries(), null, null);
        Dataset<Row> mined = SparkMiner.mine(rowTable(), corpus, given);
        assertEquals(List.of("anchor", "positive", "negative_1", "negative_2", "negative_3", "negative_4", "scores",
                "negative_ranks"), List.of(mined.columns()));
        JsonlRows.assertSame(one, mined.collectAsList());
    }

    @Test
    void anchorsGivenByVectorGetTheSameNegativesShardedWithTheOptionsNamedAsSparkNamesThem() throws IOException {
        MiningConfig config = MiningConfig.defaults().withNumNegatives(3).withRange(0, 40)
                .withSampling(SamplingStrategy.TOP);
        Path one = mineOnOneMachine("vectors-one.jsonl", config, Catalog.options(OutputFormat.FLAG, 3));
        SparkCorpus corpus = SparkCorpus.of(catalog.corpus()).sharded(dir.resolve("vector-shards"), 2, 0);
        Dataset<Row> mined = SparkMiner.mine(vectorTable(24), corpus, Map.of("numNegatives", "3", "rangeMin", "0",
                "rangeMax", "40", "outputFormat", "flag", "outputScores", "true", "outputRanks", "true"));
        JsonlRows.assertSame(one, mined.collectAsList());
    }

    @Test
    void aTableWithoutPositivesIsRefusedNamingTheColumn() {
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("row", DataTypes.IntegerType, false)));
        QuarryUsageException e = assertThrows(QuarryUsageException.class, () -> SparkMiner.mine(
                table(List.of(RowFactory.create(1)), schema, 1), SparkCorpus.of(catalog.corpus()),
                MineOptions.defaults()));
        assertTrue(e.getMessage().contains("positives"), e.getMessage());
    }

    @Test
    void aVectorOfAnotherDimensionFailsTheActionNamingTheAnchor() {
        Dataset<Row> mined = SparkMiner.mine(vectorTable(23), SparkCorpus.of(catalog.corpus()),
                MineOptions.defaults());
        Exception failed = assertThrows(Exception.class, mined::collectAsList);
        Throwable e = failed;
        while (e != null && !(e instanceof QuarryDataException)) {
            e = e.getCause();
        }
        assertTrue(e != null, "the task's data error is the action's cause: " + failed);
        assertTrue(e.getMessage().contains("anchor ") && e.getMessage().contains("vector")
                && e.getMessage().contains("24 values"), e.getMessage());
    }
}
