package dev.quarry.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java example of docs/scale-out.md ("From a Spark job") is this file's {@link #mineAnchorsTable}, and it
 * writes, as Parquet rows, the lines {@code quarry mine} writes for the same anchors with the same index.
 */
class ScaleOutExampleTest {
    @TempDir
    Path shared;

    // scale-out example start
    // anchors.parquet: id string, vector array<float> (the corpus's dimension), positives array<string> (corpus ids)
    static void mineAnchorsTable(SparkSession spark, String shared) {
        Dataset<Row> anchors = spark.read().parquet(shared + "/anchors.parquet");
        SparkCorpus corpus = SparkCorpus.of(Path.of(shared, "corpus.qvec"))   // ids: corpus.qvec.ids, else row numbers
                .withIndex(Path.of(shared, "corpus.qivf"));
        Dataset<Row> mined = SparkMiner.mine(anchors, corpus, Map.of("numNegatives", "8", "nprobe", "8",
                "outputFormat", "n-tuple", "outputScores", "true"));
        mined.write().parquet(shared + "/mined.parquet");   // anchor, positive, negative_1..8, scores
    }
    // scale-out example end

    @Test
    void theExampleWritesTheRowsMineWritesAsLinesWithTheSameIndex() throws IOException {
        Catalog catalog = Catalog.write(shared);
        try (VectorStore corpus = VectorStore.open(catalog.corpus())) {
            new IvfBuilder(VectorKernelsProvider.get()).build(corpus, KMeansParams.defaults(16, true, 2),
                    shared.resolve("corpus.qivf"), null);
        }
        SparkSession spark = SharedSpark.get();
        writeAnchorsTable(spark, catalog);

        mineAnchorsTable(spark, shared.toString());

        Path one = shared.resolve("one.jsonl");
        catalog.mineOnOneMachine(catalog.builder(one, MiningConfig.defaults().withNumNegatives(8),
                new OutputOptions(OutputFormat.N_TUPLE, 8, true, false, false)).index(shared.resolve("corpus.qivf"), 8)
                .threads(2).build());
        JsonlRows.assertSame(one, partsInOrder(spark, shared.resolve("mined.parquet")));
    }

    @Test
    void theScaleOutDocumentShowsExactlyThisCode() throws IOException {
        String doc = Files.readString(Path.of("..", "..", "docs", "scale-out.md"));
        Matcher block = Pattern.compile("(?s)## From a Spark job.*?```java\\n(.*?)```").matcher(doc);
        assertTrue(block.find(), "docs/scale-out.md has a '## From a Spark job' section with a java block");
        String shown = block.group(1).lines().filter(l -> !l.startsWith("import ")).reduce("", (a, b) -> a + b + "\n");
        String source = Files.readString(Path.of("src/test/java/dev/quarry/spark/ScaleOutExampleTest.java"));
        String marked = source.substring(source.indexOf("// scale-out example start") + 27,
                source.indexOf("    // scale-out example end"));
        assertEquals(strip(shown), strip(marked), "docs/scale-out.md's example and this test's method differ");
    }

    /** The queries as the example's table: named by their row number, positives as corpus ids, one file. */
    private static void writeAnchorsTable(SparkSession spark, Catalog catalog) throws IOException {
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("id", DataTypes.StringType, false),
                DataTypes.createStructField("vector", DataTypes.createArrayType(DataTypes.FloatType), false),
                DataTypes.createStructField("positives", DataTypes.createArrayType(DataTypes.StringType), false)));
        List<String> qrels = Files.readAllLines(catalog.qrels());
        List<Row> rows = new ArrayList<>();
        List<List<Float>> vectors = catalog.anchorVectors(24);
        for (int i = 0; i < Catalog.ANCHORS; i++) {
            rows.add(RowFactory.create(String.valueOf(i), MinedRows.seq(vectors.get(i)),
                    MinedRows.seq(List.of(qrels.get(i).split("\t")[1]))));
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        spark.createDataFrame(sc.parallelize(rows, 1), schema).write()
                .parquet(catalog.dir().resolve("anchors.parquet").toString());
    }

    /** The rows of a Parquet directory part by part in the parts' order (a read of the whole may reorder them). */
    private static List<Row> partsInOrder(SparkSession spark, Path dir) throws IOException {
        List<Row> rows = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path part : files.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
                rows.addAll(spark.read().parquet(part.toString()).collectAsList());
            }
        }
        return rows;
    }

    private static String strip(String code) {
        return code.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce("", (a, b) -> a + b + "\n");
    }
}
