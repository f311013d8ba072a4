package dev.quarry.mining;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * When a warm-up by real calls may stop: the JIT has compiled nothing new for five rounds and rounds have
 * stopped getting faster (none 5% shorter than the best for ten). A round's own time alone cannot tell compiled
 * from interpreted code: calls run steadily slow while C2 works through its queue. One instance per warm-up,
 * told the time of every round in turn; used by a miner's warm-up and by the server's warm-up of its request
 * path. Not thread-safe.
 */
public final class WarmUpRounds {
    private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    private final boolean watchJit = jit != null && jit.isCompilationTimeMonitoringSupported();
    private long lastCompile = -1;
    private long best = Long.MAX_VALUE;
    private int quiet;
    private int noBetter;

    /** Counts a round that took {@code nanos}; whether the warm-up has settled after it. */
    public boolean settled(long nanos) {
        noBetter = nanos < best * 95 / 100 ? 0 : noBetter + 1;
        best = Math.min(best, nanos);
        long compiled = watchJit ? jit.getTotalCompilationTime() : 0;
        quiet = compiled == lastCompile ? quiet + 1 : 0;
        lastCompile = compiled;
        return quiet >= 5 && noBetter >= 10;
    }
}
