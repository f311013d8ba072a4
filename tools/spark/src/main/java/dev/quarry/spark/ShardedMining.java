package dev.quarry.spark;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.SortedInts;
import dev.quarry.index.TopK;
import dev.quarry.mining.BlockMiner;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.candidate.AnchorBlock;
import dev.quarry.mining.filter.NearDuplicateTest;
import dev.quarry.mining.strategy.CandidateSource;
import dev.quarry.mining.strategy.IndexSource;
import dev.quarry.store.VectorStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.function.IntPredicate;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import scala.Tuple2;

/**
 * The sharded placement's two steps. {@link Search}: a task searches one shard for the blocks of one
 * partition of anchors, with each anchor's exclusions mapped to the shard's rows, and returns per anchor its
 * shard's best {@code rangeMax} candidates as corpus ordinals with their scores (and near-duplicate verdicts
 * judged on the shard's rows); shard 0 adds the positives' scores. {@link Reduce}: per block, the shards'
 * parts merged ({@link ShardCandidates#merge}, in the engine's total order) are the block's candidates, and
 * the engine's block miner runs its filters and sampler on them exactly as on one machine.
 */
final class ShardedMining {
    private ShardedMining() {
    }

    /** Blocks to partitions in contiguous ranges, so partition order is block order. */
    static final class BlockPartitioner extends Partitioner {
        private final int partitions;
        private final int blocks;

        BlockPartitioner(int partitions, int blocks) {
            this.partitions = partitions;
            this.blocks = blocks;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            return (int) ((long) (Integer) key * partitions / blocks);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BlockPartitioner p && p.partitions == partitions && p.blocks == blocks;
        }

        @Override
        public int hashCode() {
            return 31 * partitions + blocks;
        }
    }

    /** Step 1: (block, shard) -> the shard's candidates for the block. */
    static final class Search implements PairFlatMapFunction<Iterator<Tuple2<BlockInput, Integer>>, Integer,
            ShardCandidates> {
        private final WorkerSpec spec;

        Search(WorkerSpec spec) {
            this.spec = spec;
        }

        @Override
        public Iterator<Tuple2<Integer, ShardCandidates>> call(Iterator<Tuple2<BlockInput, Integer>> tasks) {
            WorkerInputs in = WorkerInputs.of(spec);
            MiningConfig config = in.config();
            SearchParams params = in.inputs().searchParams();
            IndexSource positives = new IndexSource(in.index(), in.corpus(), params);
            Vectors vectors = new Vectors(in.queries().dim());
            return new Iterator<>() {
                private int done;

                @Override
                public boolean hasNext() {
                    return tasks.hasNext();
                }

                @Override
                public Tuple2<Integer, ShardCandidates> next() {
                    FaultInjection.maybeFail(done);
                    Tuple2<BlockInput, Integer> task = tasks.next();
                    BlockInput b = task._1();
                    WorkerInputs.Shard shard = in.shard(task._2());
                    AnchorBlock block = b.withVectors(in.queries(), vectors.fit(b.size()));
                    int depth = config.searchDepth(in.corpus().count());
                    int k = (int) Math.min(depth, shard.to() - shard.from());
                    TopK top = shard.index().search(block.queries(), k,
                            Exclusions.ofSorted(local(b.exclusions(), shard.from(), shard.to())), params);
                    ShardCandidates part = candidates(b, shard, top, depth, config, in);
                    if (shard.number() == 0) {
                        float[][] scores = new float[b.size()][];
                        for (int q = 0; q < b.size(); q++) {
                            scores[q] = positives.positiveScores(block, q);
                        }
                        part = new ShardCandidates(b.withoutVectors(), scores, depth, part.counts(), part.ids(), part.scores(),
                                part.nearDuplicates());
                    }
                    done++;
                    return new Tuple2<>(b.block(), part);
                }
            };
        }

        /** The shard's results as corpus ordinals, padded to {@code depth}, with near-duplicate verdicts. */
        private static ShardCandidates candidates(BlockInput b, WorkerInputs.Shard shard, TopK top, int depth,
                                                  MiningConfig config, WorkerInputs in) {
            int n = b.size();
            int[] counts = new int[n];
            int[] ids = new int[n * depth];
            float[] scores = new float[n * depth];
            boolean judge = !Double.isNaN(config.nearDuplicate());
            boolean[] flags = judge ? new boolean[n * depth] : null;
            VectorStore rows = shard.store();
            for (int q = 0; q < n; q++) {
                counts[q] = top.count(q);
                NearDuplicateTest test = judge && b.positives()[q].length > 0
                        ? new NearDuplicateTest(config.nearDuplicate(), in.corpus(), b.positives()[q], in.kernels())
                        : null;
                for (int i = 0; i < counts[q]; i++) {
                    int local = top.id(q, i);
                    ids[q * depth + i] = (int) (shard.from() + local);
                    scores[q * depth + i] = top.score(q, i);
                    if (test != null) {
                        flags[q * depth + i] = test.nearDuplicate(rows.segment(), rows.rowOffset(local));
                    }
                }
            }
            return new ShardCandidates(null, null, depth, counts, ids, scores, flags);
        }

        /** Each anchor's exclusions that fall in {@code [from, to)}, as the shard's row numbers (still sorted). */
        static int[][] local(int[][] exclusions, long from, long to) {
            int[][] out = new int[exclusions.length][];
            for (int q = 0; q < exclusions.length; q++) {
                int[] e = exclusions[q];
                int lo = SortedInts.lowerBound(e, from);
                int hi = SortedInts.lowerBound(e, to);
                out[q] = new int[hi - lo];
                for (int i = lo; i < hi; i++) {
                    out[q][i - lo] = (int) (e[i] - from);
                }
            }
            return out;
        }
    }

    /** Step 2: per block of a partition, in block order, the merged candidates through the block miner. */
    static final class Reduce implements FlatMapFunction<Iterator<Tuple2<Integer, ShardCandidates>>, MinedBlock> {
        private final WorkerSpec spec;
        private final String source;

        Reduce(WorkerSpec spec, String source) {
            this.spec = spec;
            this.source = source;
        }

        @Override
        public Iterator<MinedBlock> call(Iterator<Tuple2<Integer, ShardCandidates>> parts) {
            WorkerInputs in = WorkerInputs.of(spec);
            List<Tuple2<Integer, ShardCandidates>> blocks = new ArrayList<>();
            parts.forEachRemaining(blocks::add);
            blocks.sort(Comparator.comparing(Tuple2::_1));
            Merged merged = new Merged(source);
            BlockMiner miner = new BlockMiner(merged, in.corpus(), in.kernels(), in.config());
            BlockOutput output = new BlockOutput(in, spec.tableRows());
            Iterator<Tuple2<Integer, ShardCandidates>> each = blocks.iterator();
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return each.hasNext();
                }

                @Override
                public MinedBlock next() {
                    ShardCandidates c = each.next()._2();
                    merged.use(c);
                    MinedAnchor[] mined = miner.mine(c.block().anchorBlock());
                    return output.encode(c.block(), mined);
                }
            };
        }
    }

    /** The block miner's candidate source in the reduce: the merged shards' candidates of the current block. */
    private static final class Merged implements CandidateSource {
        private final String name;
        private ShardCandidates current;

        Merged(String name) {
            this.name = name;
        }

        void use(ShardCandidates c) {
            current = c;
        }

        @Override
        public TopK candidates(AnchorBlock block, int depth) {
            if (depth != current.depth()) {
                throw new IllegalStateException("depth=" + depth + ", expected " + current.depth());
            }
            return current.topK();
        }

        @Override
        public float[] positiveScores(AnchorBlock block, int i) {
            return current.positiveScores()[i];
        }

        @Override
        public IntPredicate nearDuplicates(AnchorBlock block, int i) {
            return current.nearDuplicates(i);
        }

        @Override
        public String describe() {
            return name;
        }
    }
}
