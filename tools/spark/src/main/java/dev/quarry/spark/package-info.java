/**
 * Mining on Spark: the engine's block miner in Spark tasks, the corpus replicated on every executor or
 * split into shards, with output byte-identical to one machine's {@code quarry mine}. Entry points:
 * {@link dev.quarry.spark.SparkMiner} (Java) and {@code quarry spark-mine} ({@link dev.quarry.spark.SparkMineCommand}).
 */
package dev.quarry.spark;
