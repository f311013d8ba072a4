package dev.quarry.cli;

import dev.quarry.QuarryUsageException;
import dev.quarry.options.Door;
import dev.quarry.options.OptionError;
import java.util.Map;

/**
 * Renders the engine's usage errors with this command line's flags. An error is data (field, value,
 * expected): a setting of the request schema is named by its flag ({@link Door#CLI}); the few engine fields
 * outside the schema (an index build's, a strategy's) by the flag of the command that sets them. Nothing
 * reads a message back.
 */
final class FlagNames {
    /** Engine fields outside the request schema, and the flag that sets each. */
    private static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("maxTrainingPoints", "--train-sample"),
            Map.entry("batchGrouping", "--batch-order"),
            Map.entry("models", "--model"),
            Map.entry("maxPointsPerCentroid", "--max-points-per-centroid"),
            Map.entry("nlist", "--nlist"),
            Map.entry("batchSize", "--batch-size"),
            Map.entry("agreement", "--agreement"),
            Map.entry("fusion", "--fusion"),
            Map.entry("strategy", "--strategy"),
            Map.entry("qrelsFormat", "--qrels-format"),
            Map.entry("threads", "--threads"),
            Map.entry("blockSize", "--block-size"),
            Map.entry("corpus", "--corpus"),
            Map.entry("queries", "--queries"),
            Map.entry("run", "--run"),
            Map.entry("index", "--index"),
            Map.entry("iterations", "--iterations"),
            Map.entry("checkpointSeconds", "--checkpoint-seconds"),
            Map.entry("strict", "--strict"),
            Map.entry("placement", "--placement"),
            Map.entry("shards", "--shards"),
            Map.entry("shardCount", "--shard-count"),
            Map.entry("resume", "--resume"),
            Map.entry("maxTokens", "--max-tokens"),
            Map.entry("model", "--model"),
            Map.entry("temperature", "--temperature"),
            Map.entry("learningRate", "--learning-rate"),
            Map.entry("epochs", "--epochs"),
            Map.entry("seeds", "--seeds"),
            Map.entry("heldoutSplit", "--heldout-split"),
            Map.entry("heldoutQueries", "--heldout-queries"),
            Map.entry("candidates", "--candidates"));

    private FlagNames() {
    }

    /** {@code --flag=value, expected ...}, or the engine's field where no flag sets it. */
    static String render(QuarryUsageException e) {
        if (e instanceof OptionError option) {
            return Door.CLI.render(option);
        }
        return FLAGS.getOrDefault(e.field(), e.field()) + "=" + e.value() + ", expected " + e.expected();
    }
}
