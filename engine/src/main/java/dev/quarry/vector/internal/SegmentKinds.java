package dev.quarry.vector.internal;

import dev.quarry.vector.KernelMemory;
import java.lang.foreign.MemorySegment;

/**
 * Gives the kernels' loops one kind of segment, whatever kind the caller holds. A loop reads its rows through
 * {@link MemorySegment}, an interface: the JIT compiles each read for the segment classes it has seen there, and
 * hoists that class check out of the loop. A mapped file (the stores, the index lists) and memory of an arena
 * (the centroids a refresh assigns rows to, a store held in memory) are two classes: a loop compiled while only
 * one of them came by fails its hoisted check at the first call with the other, and the JIT then compiles it
 * again with the check left inside the loop, for the rest of the process. Measured: the block kernel (the tile of
 * 2 query vectors by 6 rows, AVX2) then does the same work with about twice the CPU (bench/README.md, "The
 * held-out monitor's cost"). Which kind comes first depends on what a process does first (a server that measures
 * held-out recall at start scans its mapped corpus before it assigns a refresh's rows to arena centroids), so a
 * warm-up cannot settle it; giving every native segment the same class can. The engine does that where segments
 * are made ({@link KernelMemory}: the stores, the index), so within it this finds the class already right; it
 * stays at the entries of the kernels that do microseconds of work a call (block, panel, lane dots), where one
 * class comparison is nothing, for callers outside the engine. The per-row kernels, nanoseconds a call, rely on
 * the source alone.
 */
final class SegmentKinds {
    /** The class of a plain native segment: what every native segment is handed to the loops as. */
    private static final Class<?> NATIVE = KernelMemory.KIND;

    private SegmentKinds() {
    }

    /**
     * {@code segment}, or a segment of the same memory, size and scope (its arena's liveness still checked on
     * every read) of the plain native class when it is of another native kind (a mapped file). A heap segment is
     * returned as it is.
     */
    static MemorySegment uniform(MemorySegment segment) {
        if (segment.getClass() == NATIVE || !segment.isNative()) {
            return segment;
        }
        return segment.reinterpret(segment.byteSize());
    }
}
