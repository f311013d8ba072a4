package dev.quarry.spark;

import dev.quarry.options.MineOptions;
import dev.quarry.pipeline.MiningRequest;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link SparkMiner#mine} mines an anchors table against: the corpus store with its ids, texts and
 * index, the store that holds anchors given by row number, and the placement. Every path is opened by the
 * driver and by each executor at the same place (a shared mount: stores are memory-mapped, not read from
 * {@code hdfs://} or {@code s3://}). Immutable: each {@code with...} returns a new one.
 *
 * @param corpus the corpus store ({@code .qvec})
 * @param ids the corpus rows' ids, or null ({@code CORPUS.ids}, the texts' ids, or row numbers)
 * @param texts the corpus rows' JSONL texts, or null (outputs then show ids)
 * @param index an IVF index over the corpus ({@code .qivf}), or null for exact search
 * @param anchors the store whose rows the table's {@code row} column names, or null: the corpus
 * @param anchorIds the ids of its rows, or null
 * @param anchorTexts its rows' JSONL texts, or null
 * @param placement replicated (every executor maps the corpus) or sharded
 * @param shards sharded: the shard layout's directory (cut from the corpus when it holds none)
 * @param shardCount sharded: shards to cut when the layout does not exist yet (0: it must exist)
 * @param shardNlist sharded: IVF lists per shard when cutting (0: flat shards)
 */
public record SparkCorpus(Path corpus, Path ids, Path texts, Path index, Path anchors, Path anchorIds,
                          Path anchorTexts, Placement placement, Path shards, int shardCount, int shardNlist) {

    public SparkCorpus {
        Objects.requireNonNull(corpus, "corpus");
        Objects.requireNonNull(placement, "placement");
    }

    /** The corpus in {@code store}, searched exactly, replicated on every executor. */
    public static SparkCorpus of(Path store) {
        return new SparkCorpus(store, null, null, null, null, null, null, Placement.REPLICATED, null, 0, 0);
    }

    /** With the corpus rows' ids and texts (either may be null). */
    public SparkCorpus withNames(Path corpusIds, Path corpusTexts) {
        return new SparkCorpus(corpus, corpusIds, corpusTexts, index, anchors, anchorIds, anchorTexts, placement,
                shards, shardCount, shardNlist);
    }

    /** With an IVF index over the corpus. */
    public SparkCorpus withIndex(Path ivf) {
        return new SparkCorpus(corpus, ids, texts, ivf, anchors, anchorIds, anchorTexts, placement, shards,
                shardCount, shardNlist);
    }

    /** With the store whose rows the table's {@code row} column names, its ids and texts (may be null). */
    public SparkCorpus withAnchors(Path store, Path storeIds, Path storeTexts) {
        return new SparkCorpus(corpus, ids, texts, index, store, storeIds, storeTexts, placement, shards, shardCount,
                shardNlist);
    }

    /**
     * Sharded over the layout in {@code dir}; when it holds none, cut into {@code count} shards, with IVF
     * indexes of {@code nlist} lists each when {@code nlist > 0}.
     */
    public SparkCorpus sharded(Path dir, int count, int nlist) {
        return new SparkCorpus(corpus, ids, texts, index, anchors, anchorIds, anchorTexts, Placement.SHARDED, dir,
                count, nlist);
    }

    /** The engine's request for these files and {@code options} (no labels, no output: the table has them). */
    SparkMiningRequest request(MineOptions options) {
        MiningRequest request = MiningRequest.builder(corpus, null, null).queries(anchors).ids(ids, anchorIds)
                .texts(texts, anchorTexts).index(index).options(options).build();
        return new SparkMiningRequest(request, placement, 0, shards, shardCount, shardNlist);
    }
}
