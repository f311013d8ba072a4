package dev.quarry.spark;

import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.options.MineOptions;
import dev.quarry.pipeline.MiningRequest;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * What an executor needs to open a run's inputs itself, shipped with every task: paths as strings (the
 * same paths on every machine: a shared mount) and the request's settings as the schema object itself
 * ({@link MineOptions} is serializable: nothing is flattened or rebuilt field by field). Executors rebuild
 * the engine's {@link MiningRequest} from it and open it with
 * {@link dev.quarry.pipeline.MiningInputs#openForWorkers}; the labels stay on the driver.
 *
 * @param runId tells runs apart in an executor's cache of opened inputs
 * @param options the settings in force after the driver opened the inputs
 * @param shards the shard layout's directory (sharded placement), or null
 * @param warmUp whether the run is big enough for the kernels' warm-up to pay (the rule of {@code quarry mine})
 * @param tableRows whether tasks encode their blocks as table rows (Parquet, a Dataset) rather than file bytes
 */
record WorkerSpec(String runId, String corpus, String queries, String corpusIds, String queriesIds,
                  String corpusText, String queriesText, String qrels, String index, String output,
                  MineOptions options, String shards, boolean warmUp, boolean tableRows)
        implements Serializable {

    /** The spec of {@code request} mined with {@code config} (the configuration in force after opening). */
    static WorkerSpec of(String runId, MiningRequest request, MiningConfig config, Path shards, boolean warmUp,
                         boolean tableRows) {
        return new WorkerSpec(runId, str(request.corpus()), str(request.queries()), str(request.corpusIds()),
                str(request.queriesIds()), str(request.corpusText()), str(request.queriesText()), str(request.qrels()),
                str(request.index()), str(request.output()), config.options(), str(shards), warmUp, tableRows);
    }

    /** The mining configuration. */
    MiningConfig config() {
        return MiningConfig.of(options);
    }

    /** How lines are encoded. */
    OutputOptions outputOptions() {
        return OutputOptions.of(options);
    }

    /** The request as the executors open it (the shard layout replaces the index when sharded). */
    MiningRequest request() {
        return MiningRequest.builder(path(corpus), path(qrels), path(output)).queries(path(queries))
                .ids(path(corpusIds), path(queriesIds)).texts(path(corpusText), path(queriesText))
                .index(path(index)).options(options).threads(1).build();
    }

    /** The shard layout's directory, or null. */
    Path shardDir() {
        return path(shards);
    }

    private static String str(Path p) {
        return p == null ? null : p.toAbsolutePath().toString();
    }

    private static Path path(String s) {
        return s == null ? null : Path.of(s);
    }
}
