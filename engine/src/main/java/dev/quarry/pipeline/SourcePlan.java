package dev.quarry.pipeline;

import dev.quarry.mining.strategy.CandidateSource;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.ivf.IvfIndex;
import java.util.function.Supplier;

/**
 * What a {@link StrategySpec} built for a run.
 *
 * @param sources makes one candidate source per worker thread
 * @param name how the summary names the source
 * @param order the anchors (ordinals) in output order
 * @param flopsPerAnchor about how many floating-point operations the sources' kernels spend per anchor
 *                       (0 when they run none): what decides whether warming the kernels up pays
 * @param batch searches many blocks at once for the pipeline (an IVF index), or null: each block
 *              searches its own candidates through its source
 */
public record SourcePlan(Supplier<CandidateSource> sources, String name, int[] order, double flopsPerAnchor,
                         BatchSearch batch) {

    /** A plan whose blocks each search their own candidates. */
    public SourcePlan(Supplier<CandidateSource> sources, String name, int[] order, double flopsPerAnchor) {
        this(sources, name, order, flopsPerAnchor, null);
    }

    /** The kernel work of searching {@code index} for one anchor at {@code nprobe} (0: its default). */
    public static double searchFlops(VectorIndex index, int nprobe) {
        if (index instanceof IvfIndex ivf) {
            int probes = nprobe == 0 ? ivf.defaultNprobe() : nprobe;
            return 2.0 * ivf.dim() * (ivf.nlist() + (double) probes * ivf.size() / ivf.nlist());
        }
        return 2.0 * index.dim() * index.size();
    }
}
