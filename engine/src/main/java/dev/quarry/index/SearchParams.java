package dev.quarry.index;

import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import dev.quarry.QuarryUsageException;

/**
 * Per-call search options, so one index serves callers with different needs (FAISS's
 * {@code SearchParameters} idea, but Quarry takes them per call only).
 *
 * @param threads threads a direct call may use (the mining pipeline passes 1: it owns the threads)
 * @param nprobe inverted lists to probe, for indexes that have lists; 0 means the index's default
 */
public record SearchParams(int threads, int nprobe) {
    public SearchParams {
        if (threads < 1) {
            throw new QuarryUsageException("threads", threads, ">= 1");
        }
        if (nprobe < 0) {
            throw new OptionError(MineSettings.NPROBE, nprobe, ">= 0");
        }
    }

    /** One thread, the index's default nprobe. */
    public static SearchParams defaults() {
        return new SearchParams(1, 0);
    }

    /** The same options with {@code threads}. */
    public SearchParams withThreads(int n) {
        return new SearchParams(n, nprobe);
    }

    /** The same options with {@code nprobe}. */
    public SearchParams withNprobe(int n) {
        return new SearchParams(threads, n);
    }
}
