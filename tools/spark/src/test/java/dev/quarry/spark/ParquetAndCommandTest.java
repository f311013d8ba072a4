package dev.quarry.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.cli.QuarryMain;
import dev.quarry.io.OutputFormat;
import dev.quarry.mining.MiningConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Parquet holds the JSONL output's rows in sentence-transformers' columns; the command line runs it all. */
class ParquetAndCommandTest {
    @TempDir
    static Path dir;
    static Catalog catalog;
    static SparkSession spark;

    @BeforeAll
    static void setUp() {
        catalog = Catalog.write(dir);
        spark = SharedSpark.get();
    }

    @Test
    void parquetHoldsTheJsonlRowsInSentenceTransformersColumns() throws IOException {
        MiningConfig config = MiningConfig.defaults().withNumNegatives(3);
        catalog.mineOnOneMachine(catalog.request(dir.resolve("one.jsonl"), config,
                Catalog.options(OutputFormat.N_TUPLE, 3)));
        SparkMiner.run(spark, SparkMiningRequest.replicated(catalog.request(dir.resolve("mined.parquet"), config,
                Catalog.options(OutputFormat.N_TUPLE, 3)), 3), null);
        List<Row> rows = spark.read().parquet(dir.resolve("mined.parquet").toString()).collectAsList();
        assertEquals(List.of("anchor", "positive", "negative_1", "negative_2", "negative_3", "scores", "negative_ranks"),
                Arrays.asList(spark.read().parquet(dir.resolve("mined.parquet").toString()).columns()));
        ObjectMapper json = new ObjectMapper();
        List<String> expected = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("one.jsonl"))) {
            JsonNode n = json.readTree(line);
            List<String> scores = new ArrayList<>();
            n.get("scores").forEach(s -> scores.add(String.valueOf(Float.parseFloat(s.asText()))));
            expected.add(n.get("anchor").asText() + "|" + n.get("positive").asText() + "|" + n.get("negative_1").asText()
                    + "|" + n.get("negative_2").asText() + "|" + n.get("negative_3").asText() + "|" + scores + "|"
                    + n.get("negative_ranks"));
        }
        List<String> actual = new ArrayList<>();
        for (Row r : rows) {
            List<String> scores = new ArrayList<>();
            r.getList(5).forEach(s -> scores.add(String.valueOf(s)));
            actual.add(r.getString(0) + "|" + r.getString(1) + "|" + r.getString(2) + "|" + r.getString(3) + "|"
                    + r.getString(4) + "|" + scores + "|" + r.getList(6).toString().replace(" ", ""));
        }
        assertTrue(expected.size() > 100);
        assertEquals(expected, actual, "rows in anchor order, the same values");
    }

    private static String[] run(Object... args) {
        String[] argv = Arrays.stream(args).map(String::valueOf).toArray(String[]::new);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = QuarryMain.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return new String[] {String.valueOf(cmd.execute(argv)), out.toString(), err.toString()};
    }

    @Test
    void sparkMineCommandWritesWhatMineWrites() throws IOException {
        Object[] common = {"--corpus", catalog.corpus(), "--queries", catalog.queries(), "--qrels", catalog.qrels(),
            "--num-negatives", 4, "--output-format", "labeled-list", "--output-scores"};
        String[] mine = run(concat(new Object[] {"mine", "--output", dir.resolve("cli-one.jsonl")}, common));
        assertEquals("0", mine[0], mine[2]);
        String[] spark = run(concat(new Object[] {"spark-mine", "--master", "local[2]", "--placement", "sharded",
            "--shards", dir.resolve("cli-shards"), "--shard-count", 2, "--output", dir.resolve("cli-spark.jsonl")}, common));
        assertEquals("0", spark[0], spark[2]);
        assertArrayEquals(Files.readAllBytes(dir.resolve("cli-one.jsonl")), Files.readAllBytes(dir.resolve("cli-spark.jsonl")));
        assertTrue(spark[1].contains("anchors mined          400"), spark[1]);
        assertTrue(spark[2].contains("stage"), "the stages' times are shown: " + spark[2]);
    }

    @Test
    void aShardWithFlippedBytesIsRefusedNamingItWithExit3() throws IOException {
        Object[] common = {"--corpus", catalog.corpus(), "--queries", catalog.queries(), "--qrels", catalog.qrels(),
            "--num-negatives", 4, "--master", "local[2]", "--placement", "sharded", "--shards",
            dir.resolve("flipped-shards")};
        String[] cut = run(concat(new Object[] {"spark-mine", "--shard-count", 2, "--output",
            dir.resolve("before.jsonl")}, common));
        assertEquals("0", cut[0], cut[2]);
        Path shard = dir.resolve("flipped-shards").resolve("shard-00001.qvec");
        byte[] bytes = Files.readAllBytes(shard);
        for (int i = 0; i < 4; i++) { // four bytes of one row: the header, the size and the footer still look right
            bytes[4096 + 4 * 33 + i] ^= (byte) 0x5a;
        }
        Files.write(shard, bytes);
        String[] damaged = run(concat(new Object[] {"spark-mine", "--output", dir.resolve("after.jsonl")}, common));
        assertEquals("3", damaged[0], damaged[2]);
        assertTrue(damaged[2].contains("quarry: " + shard + ": footer checksum="), damaged[2]);
        assertFalse(Files.exists(dir.resolve("after.jsonl")), "nothing published");
    }

    @Test
    void usageErrorsNameTheOption() {
        Object[] common = {"--corpus", catalog.corpus(), "--queries", catalog.queries(), "--qrels", catalog.qrels()};
        String[] noShards = run(concat(new Object[] {"spark-mine", "--placement", "sharded", "--output",
            dir.resolve("x.jsonl")}, common));
        assertEquals("2", noShards[0]);
        assertTrue(noShards[2].contains("--shards"), noShards[2]);
        String[] npyParquet = run(concat(new Object[] {"spark-mine", "--output-format", "npy", "--output",
            dir.resolve("x.parquet")}, common));
        assertEquals("2", npyParquet[0]);
        assertTrue(npyParquet[2].contains("npy"), npyParquet[2]);
    }

    private static Object[] concat(Object[] a, Object[] b) {
        Object[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
