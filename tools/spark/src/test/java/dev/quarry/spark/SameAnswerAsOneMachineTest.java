package dev.quarry.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.SamplingStrategy;
import dev.quarry.pipeline.MiningReport;
import dev.quarry.pipeline.MiningRequest;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flat mining on Spark writes what {@code quarry mine} writes, byte for byte, however the work is spread. */
class SameAnswerAsOneMachineTest {
    @TempDir
    static Path dir;
    static Catalog catalog;
    static SparkSession spark;

    @BeforeAll
    static void setUp() {
        catalog = Catalog.write(dir);
        spark = SharedSpark.get();
    }

    private static byte[] bytes(Path p) throws IOException {
        return Files.readAllBytes(p);
    }

    /** The summary without what a run's timing or output name changes. */
    private static String statistics(Path summary) throws IOException {
        return Files.readString(summary).replaceAll("(?s)\"outputs\" : \\[[^]]*],", "")
                .replaceAll("\"source\" : \"[^\"]*\"", "").replaceAll("(?s)\"run\" : \\{.*}", "");
    }

    @Test
    void replicatedFlatMiningMatchesOneMachineForOneTwoAndFourPartitions() throws IOException {
        MiningConfig config = MiningConfig.defaults().withNumNegatives(4).withRange(2, 60);
        OutputOptions options = Catalog.options(OutputFormat.N_TUPLE, 4);
        Path one = dir.resolve("one.jsonl");
        catalog.mineOnOneMachine(catalog.request(one, config, options));
        for (int partitions : new int[] {1, 2, 4}) {
            Path out = dir.resolve("replicated-" + partitions + ".jsonl");
            MiningRequest request = catalog.builder(out, config, options).blockSize(64).build();
            MiningReport report = SparkMiner.run(spark, SparkMiningRequest.replicated(request, partitions), null);
            assertArrayEquals(bytes(one), bytes(out), partitions + " partitions");
            assertEquals(statistics(Path.of(one + ".summary.json")), statistics(report.summary()));
            assertTrue(report.stats().shortAnchors() > 0 || report.stats().negatives() > 0);
        }
    }

    @Test
    void shardedFlatMiningMatchesOneMachineForOneTwoAndThreeShards() throws IOException {
        // No margin, so the near-duplicate filter meets the copies of rows 0-99 (rows 2000-2099, another shard).
        MiningConfig config = MiningConfig.defaults().withNumNegatives(5).withRange(0, 40)
                .withRelativeMargin(Double.NaN).withSampling(SamplingStrategy.RANDOM).withSeed(7);
        OutputOptions options = Catalog.options(OutputFormat.TRIPLET, 5);
        Path one = dir.resolve("random.jsonl");
        catalog.mineOnOneMachine(catalog.request(one, config, options));
        String anchor0 = Files.readAllLines(one).stream().filter(l -> l.startsWith("{\"anchor\":\"0\"")).toList().toString();
        assertTrue(anchor0.contains("\"negative\"") && !anchor0.contains("\"negative\":\"2000\""),
                "the copy of anchor 0's positive is dropped as a near-duplicate: " + anchor0);
        for (int shards : new int[] {1, 2, 3}) {
            Path out = dir.resolve("sharded-" + shards + ".jsonl");
            MiningRequest request = catalog.request(out, config, options);
            SparkMiner.run(spark, SparkMiningRequest.sharded(request, 3, dir.resolve("shards-" + shards), shards), null);
            assertArrayEquals(bytes(one), bytes(out), shards + " shards");
            assertEquals(statistics(Path.of(one + ".summary.json")), statistics(Path.of(out + ".summary.json")));
        }
    }

    @Test
    void npyOutputsMatchOneMachineSharded() throws IOException {
        MiningConfig config = MiningConfig.defaults().withNumNegatives(3);
        OutputOptions options = new OutputOptions(OutputFormat.NPY, 3, false, false, false);
        catalog.mineOnOneMachine(catalog.request(dir.resolve("one.npy"), config, options));
        MiningRequest request = catalog.request(dir.resolve("spark.npy"), config, options);
        SparkMiner.run(spark, SparkMiningRequest.sharded(request, 2, dir.resolve("shards-npy"), 2), null);
        for (String part : List.of(".ids.npy", ".scores.npy", ".anchors.npy")) {
            assertArrayEquals(bytes(dir.resolve("one" + part)), bytes(dir.resolve("spark" + part)), part);
        }
    }

    @Test
    void replicatedIvfMiningMatchesOneMachineWithTheSameIndex() throws IOException {
        Path ivf = dir.resolve("corpus.qivf");
        try (VectorStore corpus = VectorStore.open(catalog.corpus())) {
            new IvfBuilder(VectorKernelsProvider.get()).build(corpus, KMeansParams.defaults(16, true, 2), ivf, null);
        }
        MiningConfig config = MiningConfig.defaults().withNumNegatives(3).withRange(1, 30);
        OutputOptions options = Catalog.options(OutputFormat.LABELED_PAIR, 3);
        Path one = dir.resolve("ivf-one.jsonl");
        catalog.mineOnOneMachine(catalog.builder(one, config, options).index(ivf, 2).build());
        Path out = dir.resolve("ivf-spark.jsonl");
        SparkMiner.run(spark, SparkMiningRequest.replicated(
                catalog.builder(out, config, options).index(ivf, 2).blockSize(100).build(), 3), null);
        assertArrayEquals(bytes(one), bytes(out));
    }

    @Test
    void shardedIvfProbingEveryListMatchesExactMining() throws IOException {
        MiningConfig config = MiningConfig.defaults().withNumNegatives(3).withRange(1, 30);
        OutputOptions options = Catalog.options(OutputFormat.N_TUPLE, 3);
        Path one = dir.resolve("exact.jsonl");
        catalog.mineOnOneMachine(catalog.request(one, config, options));
        Path out = dir.resolve("ivf-shards.jsonl");
        MiningRequest request = catalog.builder(out, config, options).index(null, 8).build();
        SparkMiner.run(spark, SparkMiningRequest.sharded(request, 2, dir.resolve("ivf-shards"), 2).withShardNlist(8),
                null);
        assertTrue(Files.exists(dir.resolve("ivf-shards").resolve("shard-00001.qivf")));
        assertArrayEquals(bytes(one), bytes(out), "IVF with nprobe = nlist scores every row as flat search does");
    }
}
