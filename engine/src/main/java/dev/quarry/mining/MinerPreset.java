package dev.quarry.mining;

/**
 * Settings of a {@link Miner} chosen together for one kind of caller ({@link Miner.Builder#preset}).
 * Settings the caller gives explicitly ({@link Miner.Builder#search} with a non-zero nprobe, or a coarse
 * stage or oversample other than the index's default; {@link Miner.Builder#preload}) win over the preset's.
 */
public enum MinerPreset {
    /** The builder's defaults: the index's default nprobe, all cores, nothing read in ahead. */
    DEFAULT,
    /**
     * A trainer's call, waited for between optimizer steps: the cheapest search settings that still
     * reach recall@k 0.95 against exact search, measured when the miner is built on rows of its own
     * corpus with its own index ({@code k} the configuration's rank window end): the fewest lists for
     * each way of searching the index has (the exact coarse stage, its centroid graph, for int8 lists
     * k candidates rescored beside the default), the ways then timed on calls of those rows and the
     * plainest kept unless another is clearly faster. Every core, and the index and corpus read into
     * memory so no call pays a page fault. The choice and its measured recall are in
     * {@link Miner#describeSearch()}.
     */
    LATENCY
}
