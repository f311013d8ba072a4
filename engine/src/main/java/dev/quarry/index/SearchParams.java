package dev.quarry.index;

import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import dev.quarry.QuarryUsageException;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;

/**
 * Per-call search options, so one index serves callers with different needs (FAISS's
 * {@code SearchParameters} idea, but Quarry takes them per call only).
 *
 * @param threads threads a direct call may use (the mining pipeline passes 1: it owns the threads)
 * @param nprobe inverted lists to probe, for indexes that have lists; 0 means the index's default
 * @param coarse how an IVF index finds the lists to probe
 * @param ef for a graph coarse stage, the beam: centroids kept while searching (at least nprobe is used);
 *           0 means the index's default
 * @param oversample for an index with quantized lists, the most candidates per query rescored in
 *                   float32, as a multiple of k (at least 1); 0 means the index's default; infinity
 *                   rescores every row probed, which gives the float32 index's result exactly
 * @param probeMargin of a query's {@code nprobe} best lists, those whose centroid scores more than this below
 *                    the best one's are not probed (infinity: every one is): a query deep inside its first
 *                    list skips the others, one near a boundary probes them (docs/architecture.md,
 *                    "Probes by margin")
 */
public record SearchParams(int threads, int nprobe, Coarse coarse, int ef, float oversample, float probeMargin) {
    /** How an IVF index finds each query's nearest centroids. */
    public enum Coarse {
        /** The index decides from its own measurements and the call's shape. */
        AUTO,
        /** Every centroid scored (the block kernel). */
        EXACT,
        /** A search of the centroid graph stored in the index. */
        GRAPH
    }

    public SearchParams {
        if (threads < 1) {
            throw new CommandSettingError(CommandSetting.THREADS, threads, ">= 1");
        }
        if (nprobe < 0) {
            throw new OptionError(MineSettings.NPROBE, nprobe, ">= 0");
        }
        if (coarse == null) {
            throw new QuarryUsageException("coarse", "null", "auto, exact or graph");
        }
        if (ef < 0) {
            throw new QuarryUsageException("ef", ef, ">= 0");
        }
        if (!(oversample == 0 || oversample >= 1)) {
            throw new QuarryUsageException("oversample", oversample, "0 (the index's default) or >= 1");
        }
        if (!(probeMargin >= 0)) {
            throw new OptionError(MineSettings.PROBE_MARGIN, probeMargin, ">= 0");
        }
    }

    /** Every one of the {@code nprobe} best lists probed. */
    public SearchParams(int threads, int nprobe, Coarse coarse, int ef, float oversample) {
        this(threads, nprobe, coarse, ef, oversample, Float.POSITIVE_INFINITY);
    }

    /** {@code threads} and {@code nprobe}, the index's defaults for the rest. */
    public SearchParams(int threads, int nprobe) {
        this(threads, nprobe, Coarse.AUTO, 0, 0, Float.POSITIVE_INFINITY);
    }

    /** One thread, the index's default nprobe. */
    public static SearchParams defaults() {
        return new SearchParams(1, 0);
    }

    /** The same options with {@code threads}. */
    public SearchParams withThreads(int n) {
        return new SearchParams(n, nprobe, coarse, ef, oversample, probeMargin);
    }

    /** The same options with {@code nprobe}. */
    public SearchParams withNprobe(int n) {
        return new SearchParams(threads, n, coarse, ef, oversample, probeMargin);
    }

    /** The same options with the coarse stage {@code c}. */
    public SearchParams withCoarse(Coarse c) {
        return new SearchParams(threads, nprobe, c, ef, oversample, probeMargin);
    }

    /** The same options with the graph's beam {@code n}. */
    public SearchParams withEf(int n) {
        return new SearchParams(threads, nprobe, coarse, n, oversample, probeMargin);
    }

    /** The same options with {@code factor} as the oversample. */
    public SearchParams withOversample(float factor) {
        return new SearchParams(threads, nprobe, coarse, ef, factor, probeMargin);
    }

    /** The same options with {@code margin} as the probe margin (infinity: every one of the nprobe lists). */
    public SearchParams withProbeMargin(float margin) {
        return new SearchParams(threads, nprobe, coarse, ef, oversample, margin);
    }
}
