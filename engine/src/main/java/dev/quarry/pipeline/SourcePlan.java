package dev.quarry.pipeline;

import dev.quarry.mining.strategy.CandidateSource;
import java.util.function.Supplier;

/**
 * What a {@link StrategySpec} built for a run.
 *
 * @param sources makes one candidate source per worker thread
 * @param name how the summary names the source
 * @param order the anchors (ordinals) in output order
 */
public record SourcePlan(Supplier<CandidateSource> sources, String name, int[] order) {
}
