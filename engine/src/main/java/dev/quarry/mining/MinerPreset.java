package dev.quarry.mining;

/**
 * Settings of a {@link Miner} chosen together for one kind of caller ({@link Miner.Builder#preset}).
 * Settings the caller gives explicitly ({@link Miner.Builder#search} with a non-zero nprobe,
 * {@link Miner.Builder#preload}) win over the preset's.
 */
public enum MinerPreset {
    /** The builder's defaults: the index's default nprobe, all cores, nothing read in ahead. */
    DEFAULT,
    /**
     * A trainer's call, waited for between optimizer steps: the cheapest search settings that still
     * reach recall@k 0.95 against exact search, measured when the miner is built on rows of its own
     * corpus with its own index ({@code k} the configuration's rank window end), every core, and the
     * index and corpus read into memory so no call pays a page fault. The choice and its measured
     * recall are in {@link Miner#describeSearch()}.
     */
    LATENCY
}
