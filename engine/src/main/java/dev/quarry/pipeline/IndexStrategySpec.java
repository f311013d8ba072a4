package dev.quarry.pipeline;

import dev.quarry.index.VectorIndex;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.mining.strategy.IndexSource;
import dev.quarry.mining.strategy.Strategy;

/** Index (ANN) mining: the anchors' nearest corpus rows, from the flat index or the run's IVF file. */
public record IndexStrategySpec() implements StrategySpec {

    @Override
    public Strategy kind() {
        return Strategy.INDEX;
    }

    @Override
    public boolean searchesIndex() {
        return true;
    }

    @Override
    public SourcePlan plan(MiningInputs inputs) {
        VectorIndex index = inputs.index();
        // An IVF index is searched many blocks at a time on all threads, so its lists are shared by more anchors
        // (float32 lists and the exact coarse stage; otherwise each block searches its own: IvfIndex.searchesRows).
        BatchSearch batch = index instanceof IvfIndex ivf && inputs.queries() != null
                && ivf.searchesRows(inputs.searchParams())
                ? new IvfSuperBlockSearch(ivf, inputs.queries(), inputs.searchParams().withThreads(inputs.threads()))
                : null;
        return new SourcePlan(() -> new IndexSource(index, inputs.corpus(), inputs.searchParams()), index.describe(),
                inputs.anchors().ordinals(), SourcePlan.searchFlops(index, inputs.request().nprobe()), batch);
    }

    @Override
    public void fingerprint(Fingerprint fingerprint) {
        // Nothing beyond the index, which every run records.
    }
}
