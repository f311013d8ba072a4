package dev.quarry.spark;

import dev.quarry.pipeline.MiningRequest;
import java.nio.file.Path;

/**
 * A mining run on Spark: the engine's request (files and options, as {@code quarry mine} takes them) and
 * how to spread it.
 *
 * @param request what to mine and where to write it; an output ending in {@code .parquet} is a Parquet
 *                directory in the request's JSONL shape, anything else the files {@code quarry mine} writes
 * @param placement replicated or sharded
 * @param partitions partitions of the anchors (0: twice Spark's default parallelism, at most one per block)
 * @param shards the shard layout's directory (sharded only): used when it holds one, built otherwise
 * @param shardCount shards to cut when the layout is built (0: the layout must exist)
 * @param shardNlist IVF lists per shard when the layout is built (0: flat shards)
 */
public record SparkMiningRequest(MiningRequest request, Placement placement, int partitions, Path shards,
                                 int shardCount, int shardNlist) {

    /** A replicated run over {@code partitions} partitions (0: the default). */
    public static SparkMiningRequest replicated(MiningRequest request, int partitions) {
        return new SparkMiningRequest(request, Placement.REPLICATED, partitions, null, 0, 0);
    }

    /** A sharded run over the layout in {@code shards} (cut into {@code shardCount} flat shards if absent). */
    public static SparkMiningRequest sharded(MiningRequest request, int partitions, Path shards, int shardCount) {
        return new SparkMiningRequest(request, Placement.SHARDED, partitions, shards, shardCount, 0);
    }

    /** The same run with shard IVF indexes of {@code nlist} lists when the layout is built. */
    public SparkMiningRequest withShardNlist(int nlist) {
        return new SparkMiningRequest(request, placement, partitions, shards, shardCount, nlist);
    }

    /** Whether the output is a Parquet directory. */
    public boolean parquet() {
        return request.output().getFileName().toString().endsWith(".parquet");
    }
}
