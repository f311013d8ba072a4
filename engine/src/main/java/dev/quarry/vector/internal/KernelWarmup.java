package dev.quarry.vector.internal;

import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.RowPanels;
import dev.quarry.vector.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Runs the fused block kernel on a small synthetic block until it runs at compiled speed (or a time
 * cap passes), so the JIT compiles it while the inputs are tiny. Measured on the development machine:
 * the first 256 anchors of a 100k-row demo took 2 s without it.
 *
 * <p>When to stop is judged by the calls' CPU time on this thread ({@link WarmUpClock}), not by the clock on
 * the wall: on a machine whose cores are all busy (the run's own threads opening its inputs, the JIT's
 * compiler threads, other processes) a call that waited for a core is no slower in CPU, so the rule settles
 * once the code is compiled whatever the load. By the wall, such a call broke the run of fast calls the rule
 * waits for, and on a loaded machine the warm-up ran to its cap.
 */
final class KernelWarmup {
    /**
     * A full panel, then 56 queries: at 16 lanes a panel of three vectors (the 12-row tiles of two vectors and
     * of one), at 8 a 1-vector panel and a partial lane after full ones.
     */
    private static final int QUERIES = 4 * 16 + 3 * 16 + 8;
    private static final int ROWS = 6 * 8 + 3;          // full tiles and a remainder
    private static final int DIM = 64;
    private static final long CAP_NANOS = 5_000_000_000L;
    /** Calls in a row within twice the fastest that end the warm-up. */
    static final int SETTLED_CALLS = 200;
    /** A round's CPU time below which its code is plausibly compiled (interpreted, a round takes milliseconds). */
    static final long COMPILED_NANOS = 200_000;

    private KernelWarmup() {
    }

    static void run(VectorKernels kernels) {
        run(kernels, WarmUpClock.THREAD, CAP_NANOS);
    }

    /**
     * Runs rounds of the kernels until {@link #SETTLED_CALLS} rounds in a row took at most twice the
     * fastest round's CPU time (the fastest under {@link #COMPILED_NANOS}), or {@code capNanos} passed on the
     * wall; returns the rounds run.
     */
    static int run(VectorKernels kernels, WarmUpClock clock, long capNanos) {
        QueryBlock block = new QueryBlock(QUERIES, DIM);
        float[] q = new float[DIM];
        for (int i = 0; i < QUERIES; i++) {
            for (int k = 0; k < DIM; k++) {
                q[k] = (float) Math.sin(i * 31 + k);
            }
            block.add(q);
        }
        QueryBlock few = new QueryBlock(3, DIM); // the row-lane panel kernel: a pair and a lone query
        few.load(block.rowMajor(), 3);
        int panelRows = ROWS / RowPanels.ROWS * RowPanels.ROWS - 5; // whole panels in the file, a partial last
        float[] thresholds = new float[QUERIES];
        float[] scores = new float[QUERIES * ROWS];
        int[] passing = new int[QUERIES * ROWS];
        int rounds = 0;
        try (Arena arena = Arena.ofShared()) {
            // A shared arena's memory: the one class of segment every store, index and scratch hands the kernels
            // (KernelMemory), so the code compiled here is the code real calls run.
            MemorySegment rows = arena.allocate(4L * DIM * ROWS, 64);
            for (int i = 0; i < DIM * ROWS; i++) {
                rows.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.cos(i));
            }
            long start = clock.wallNanos();
            long best = Long.MAX_VALUE;
            int fastInARow = 0;
            // Compiled, one round is a few microseconds; in the profiling tier it is milliseconds. Stop
            // after a run of rounds near the best seen once the best is plausibly compiled.
            while (clock.wallNanos() - start < capNanos && fastInARow < SETTLED_CALLS) {
                long t = clock.cpuNanos();
                Arrays.fill(thresholds, Float.NEGATIVE_INFINITY);
                kernels.scoreBlockTopK(block, rows, 0, 4L * DIM, ROWS, thresholds,
                        (query, row, score) -> thresholds[query] = score);
                kernels.scoreBlock(block, rows, 0, 4L * DIM, ROWS, scores);
                Arrays.fill(thresholds, Float.NEGATIVE_INFINITY);
                kernels.scorePanelsTopK(few, rows, 0, panelRows, thresholds,
                        (query, row, score) -> thresholds[query] = score);
                Arrays.fill(thresholds, Float.NEGATIVE_INFINITY);
                kernels.scorePanelsTopK(block, rows, 0, panelRows, thresholds,
                        (query, row, score) -> thresholds[query] = score);
                // The batch search's path: a score matrix, then the rows passing a cut.
                kernels.scorePanels(block, rows, 0, panelRows, scores, ROWS);
                int passed = kernels.indicesAtLeast(scores, 0, scores.length, 0f, passing);
                // The selection of each query's k-th best counts a few hundred ints some 25 times a query.
                kernels.countAtLeast(passing, passing.length, passed);
                long took = clock.cpuNanos() - t;
                best = Math.min(best, took);
                fastInARow = took <= 2 * best && best < COMPILED_NANOS ? fastInARow + 1 : 0;
                rounds++;
            }
        }
        return rounds;
    }
}
