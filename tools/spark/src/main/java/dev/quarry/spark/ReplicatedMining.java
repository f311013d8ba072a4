package dev.quarry.spark;

import dev.quarry.mining.BlockMiner;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.strategy.IndexSource;
import java.util.Iterator;
import org.apache.spark.api.java.function.FlatMapFunction;

/**
 * The replicated placement's task: the engine's block miner over the whole corpus (mapped from the shared
 * path, opened once per executor) for each block of anchors of one partition, the block encoded on the
 * spot (file bytes or table rows). Blocks come out lazily, in the partition's order.
 */
final class ReplicatedMining implements FlatMapFunction<Iterator<BlockInput>, MinedBlock> {
    private final WorkerSpec spec;

    ReplicatedMining(WorkerSpec spec) {
        this.spec = spec;
    }

    @Override
    public Iterator<MinedBlock> call(Iterator<BlockInput> blocks) {
        WorkerInputs in = WorkerInputs.of(spec);
        BlockMiner miner = new BlockMiner(new IndexSource(in.index(), in.corpus(), in.inputs().searchParams()),
                in.corpus(), in.kernels(), in.config());
        BlockOutput output = new BlockOutput(in, spec.tableRows());
        return new Iterator<>() {
            private final Vectors vectors = new Vectors(in.queries().dim());
            private int done;

            @Override
            public boolean hasNext() {
                return blocks.hasNext();
            }

            @Override
            public MinedBlock next() {
                FaultInjection.maybeFail(done);
                BlockInput b = blocks.next();
                MinedAnchor[] mined = miner.mine(b.withVectors(in.queries(), vectors.fit(b.size())));
                done++;
                return output.encode(b, mined);
            }
        };
    }
}
