package dev.quarry.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.TestHooks;
import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.pipeline.MiningRequest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.Success$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A task that fails is retried with no trace in the output; a run that dies replaces nothing. */
class FaultsTest {
    @TempDir
    static Path dir;
    static Catalog catalog;
    static SparkSession spark;
    static final MiningConfig CONFIG = MiningConfig.defaults().withNumNegatives(3).withRange(1, 50);
    static final OutputOptions OPTIONS = Catalog.options(OutputFormat.FLAG, 3);

    @BeforeAll
    static void setUp() {
        catalog = Catalog.write(dir);
        spark = SharedSpark.get();
        catalog.mineOnOneMachine(catalog.request(dir.resolve("one.jsonl"), CONFIG, OPTIONS));
    }

    /** Counts the tasks that ended in failure while {@code run} runs. */
    private static int failedTasks(Runnable run) throws java.util.concurrent.TimeoutException {
        AtomicInteger failed = new AtomicInteger();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.reason() != Success$.MODULE$) {
                    failed.incrementAndGet();
                }
            }
        };
        spark.sparkContext().addSparkListener(listener);
        try {
            run.run();
            // Listener events arrive on the bus's own thread: wait until every event posted so far was delivered.
            spark.sparkContext().listenerBus().waitUntilEmpty(TimeUnit.SECONDS.toMillis(60));
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
        return failed.get();
    }

    /** Runs {@code run} with the test hook failing the first {@code attempts} attempts of mining task {@code task}. */
    private static void failing(int task, int attempts, Runnable run) {
        System.setProperty(TestHooks.FAIL_TASK, Integer.toString(task));
        System.setProperty(TestHooks.FAIL_ATTEMPTS, Integer.toString(attempts));
        try {
            run.run();
        } finally {
            System.clearProperty(TestHooks.FAIL_TASK);
            System.clearProperty(TestHooks.FAIL_ATTEMPTS);
        }
    }

    private MiningRequest request(String name) {
        return catalog.builder(dir.resolve(name), CONFIG, OPTIONS).blockSize(50).build();
    }

    @Test
    void aReplicatedTaskThatFailsOnceIsRetriedAndTheOutputIsUnchanged() throws Exception {
        int failed = failedTasks(() -> failing(1, 1, () -> SparkMiner.run(spark,
                SparkMiningRequest.replicated(request("retried.jsonl"), 3), null)));
        assertEquals(1, failed);
        assertArrayEquals(Files.readAllBytes(dir.resolve("one.jsonl")), Files.readAllBytes(dir.resolve("retried.jsonl")));
    }

    @Test
    void aShardSearchThatFailsOnceIsRetriedAndTheOutputIsUnchanged() throws Exception {
        int failed = failedTasks(() -> failing(3, 1, () -> SparkMiner.run(spark,
                SparkMiningRequest.sharded(request("retried-sharded.jsonl"), 2, dir.resolve("shards"), 2), null)));
        assertEquals(1, failed);
        assertArrayEquals(Files.readAllBytes(dir.resolve("one.jsonl")),
                Files.readAllBytes(dir.resolve("retried-sharded.jsonl")));
    }

    @Test
    void aRunThatDiesReplacesNothingAndLeavesNoTempBehind() throws IOException {
        Path out = dir.resolve("kept.jsonl");
        Files.writeString(out, "an earlier output\n");
        Path parquet = dir.resolve("kept.parquet");
        MiningRequest jsonl = request("kept.jsonl");
        SparkMiner.run(spark, SparkMiningRequest.replicated(request("kept.parquet"), 2), null);
        byte[] parquetBefore = Files.readAllBytes(firstPart(parquet));
        for (MiningRequest r : new MiningRequest[] {jsonl, request("kept.parquet")}) {
            // Every attempt of task 0 fails (the test hook with no attempt left to succeed): the job dies mid-way.
            SparkMiningRequest dying = SparkMiningRequest.replicated(r, 2);
            assertThrows(Exception.class, () -> failing(0, Integer.MAX_VALUE,
                    () -> SparkMiner.run(spark, dying, null))); // a SparkException
        }
        assertEquals("an earlier output\n", Files.readString(out));
        assertArrayEquals(parquetBefore, Files.readAllBytes(firstPart(parquet)));
        try (Stream<Path> files = Files.list(dir)) {
            List<String> temps = files.map(p -> p.getFileName().toString()).filter(n -> n.contains(".quarry-")).toList();
            assertEquals(List.of(), temps, "no temp left");
        }
        SparkMiner.run(spark, SparkMiningRequest.replicated(jsonl, 2), null);
        assertArrayEquals(Files.readAllBytes(dir.resolve("one.jsonl")), Files.readAllBytes(out));
    }

    @Test
    void aDamagedShardIsRefusedWithItsPathBeforeAnyTaskRuns() throws IOException {
        Path shards = dir.resolve("damaged-shards");
        SparkMiner.run(spark, SparkMiningRequest.sharded(request("cut.jsonl"), 2, shards, 2), null);
        try (FileChannel file = FileChannel.open(shards.resolve("shard-00001.qvec"), StandardOpenOption.WRITE)) {
            file.truncate(1000);
        }
        Path out = dir.resolve("never.jsonl");
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> SparkMiner.run(spark,
                SparkMiningRequest.sharded(request("never.jsonl"), 2, shards, 0), null));
        assertTrue(e.getMessage().contains("shard-00001.qvec") && e.getMessage().contains("truncated"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void anIvfShardWhoseRowsDifferFromItsFooterIsRefusedNamingIt() throws IOException {
        Path shards = dir.resolve("ivf-shards");
        SparkMiner.run(spark, SparkMiningRequest.sharded(request("ivf-cut.jsonl"), 2, shards, 2).withShardNlist(4), null);
        Path shard = shards.resolve("shard-00000.qvec");
        byte[] bytes = Files.readAllBytes(shard);
        for (int i = 0; i < 4; i++) { // the index's own copy of the row is intact: only the shard's rows changed
            bytes[4096 + 4 * 10 + i] ^= (byte) 0x5a;
        }
        Files.write(shard, bytes);
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> SparkMiner.run(spark,
                SparkMiningRequest.sharded(request("ivf-never.jsonl"), 2, shards, 0), null));
        assertTrue(e.getMessage().startsWith(shard + ": footer checksum="), e.getMessage());
        assertFalse(Files.exists(dir.resolve("ivf-never.jsonl")));
    }

    private static Path firstPart(Path parquet) throws IOException {
        try (Stream<Path> parts = Files.list(parquet)) {
            return parts.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().findFirst().orElseThrow();
        }
    }
}
