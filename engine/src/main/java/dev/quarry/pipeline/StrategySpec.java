package dev.quarry.pipeline;

import dev.quarry.mining.strategy.Strategy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where a mining run takes its candidates from, with the options of that strategy only. Each
 * strategy is one record and one factory ({@link #plan}): it turns the run's resolved inputs into
 * the candidate sources the pipeline's workers use.
 */
public sealed interface StrategySpec
        permits IndexStrategySpec, InBatchStrategySpec, RunFileStrategySpec, CrossModelStrategySpec {

    /** Which strategy this is. */
    Strategy kind();

    /** Whether the run opens its corpus index (flat or the IVF file) for this strategy. */
    boolean searchesIndex();

    /** Whether the strategy can mine without corpus embeddings. */
    default boolean needsCorpus() {
        return true;
    }

    /** Files this strategy reads beyond the run's stores and labels, by field. */
    default Map<String, Path> inputFiles() {
        return Map.of();
    }

    /** Files this strategy writes beside the mined output. */
    default List<Path> outputFiles() {
        return List.of();
    }

    /** Builds the candidate sources over the run's inputs; may add notes to {@code inputs}. */
    SourcePlan plan(MiningInputs inputs);

    /** Adds what the output depends on in this strategy's options. */
    void fingerprint(Fingerprint fingerprint);
}
