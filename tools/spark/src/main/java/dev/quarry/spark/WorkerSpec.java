package dev.quarry.spark;

import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.Sampling;
import dev.quarry.mining.SamplingStrategy;
import dev.quarry.mining.ShortfallPolicy;
import dev.quarry.pipeline.MiningRequest;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * What an executor needs to open a run's inputs itself, shipped with every task: paths as strings (the
 * same paths on every machine: a shared mount) and the options, in a serializable form. Executors
 * rebuild the engine's {@link MiningRequest} from it and open it with
 * {@link dev.quarry.pipeline.MiningInputs#openForWorkers}; the labels stay on the driver.
 *
 * @param runId tells runs apart in an executor's cache of opened inputs
 * @param shards the shard layout's directory (sharded placement), or null
 * @param warmUp whether the run is big enough for the kernels' warm-up to pay (the rule of {@code quarry mine})
 * @param failTask test hook: the task of the mining stage whose first attempts fail (-1: none)
 * @param failAttempts test hook: how many of its attempts fail
 */
record WorkerSpec(String runId, String corpus, String queries, String corpusIds, String queriesIds,
                  String corpusText, String queriesText, String qrels, String index, int nprobe, String output,
                  int numNegatives, int rangeMin, int rangeMax, double minScore, double maxScore,
                  double absoluteMargin, double relativeMargin, double nearDuplicate, String sampling,
                  double semiHardMargin, double simansA, double simansB, long seed, int widenTo, boolean leaveOut,
                  String format,
                  boolean outputScores, boolean outputRanks, boolean includePositives, double softLabelTemperature,
                  String shards, boolean warmUp, int failTask, int failAttempts) implements Serializable {

    /** The spec of {@code request} mined with {@code config} (the configuration in force after opening). */
    static WorkerSpec of(String runId, MiningRequest request, MiningConfig config, OutputOptions outputOptions,
                         Path shards, boolean warmUp, int failTask, int failAttempts) {
        Sampling s = config.sampling();
        return new WorkerSpec(runId, str(request.corpus()), str(request.queries()), str(request.corpusIds()),
                str(request.queriesIds()), str(request.corpusText()), str(request.queriesText()), str(request.qrels()),
                str(request.index()), request.nprobe(), str(request.output()), config.numNegatives(),
                config.rangeMin(), config.rangeMax(), config.minScore(), config.maxScore(), config.absoluteMargin(),
                config.relativeMargin(), config.nearDuplicate(), s.strategy().name(), s.semiHardMargin(), s.simansA(),
                s.simansB(), config.seed(), config.shortfall().widenTo(), config.shortfall().leaveOut(),
                outputOptions.format().cliName(), outputOptions.outputScores(),
                outputOptions.outputRanks(), outputOptions.includePositives(), outputOptions.softLabelTemperature(),
                str(shards), warmUp, failTask, failAttempts);
    }

    /** The mining configuration. */
    MiningConfig config() {
        return new MiningConfig(numNegatives, rangeMin, rangeMax, minScore, maxScore, absoluteMargin, relativeMargin,
                nearDuplicate, new Sampling(SamplingStrategy.valueOf(sampling), semiHardMargin, simansA, simansB),
                seed, new ShortfallPolicy(widenTo, leaveOut));
    }

    /** How lines are encoded. */
    OutputOptions outputOptions() {
        return new OutputOptions(OutputFormat.parse(format), numNegatives, outputScores, outputRanks,
                includePositives, softLabelTemperature);
    }

    /** The request as the executors open it (the shard layout replaces the index when sharded). */
    MiningRequest request() {
        return MiningRequest.builder(path(corpus), path(qrels), path(output)).queries(path(queries))
                .ids(path(corpusIds), path(queriesIds)).texts(path(corpusText), path(queriesText))
                .index(path(index), nprobe).config(config()).outputOptions(outputOptions()).threads(1).build();
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
