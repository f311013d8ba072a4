package dev.quarry.vector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The one class of {@link MemorySegment} the kernels read rows from. A kernel reads through the interface, and
 * the JIT compiles each read for the classes it has seen there, hoisting that class check out of the loop. A
 * mapped file (the stores, the index lists) and an arena's memory (the centroids, a store copied into memory)
 * are two classes: a loop compiled while only one came by fails its hoisted check at the first call with the
 * other, and the JIT then compiles it again with the check inside the loop, for the rest of the process (the
 * block kernel then did the same work with about twice the CPU; docs/architecture.md, "Index and top-k"). So
 * whatever hands rows to the kernels (a store when it is opened, an index when it is opened, memory an arena
 * allocates) hands them out as this class, once, where they are made, and no kernel call has to check.
 *
 * <p>A heap segment ({@code MemorySegment.ofArray}) is a third class and cannot be given this one: the engine
 * copies heap rows into native memory or into a {@link QueryBlock} before the kernels see them.
 */
public final class KernelMemory {
    /** The class of a plain native segment (what an arena allocates): every segment the kernels read. */
    public static final Class<? extends MemorySegment> KIND = Arena.global().allocate(1).getClass();

    private KernelMemory() {
    }

    /**
     * {@code segment} if it is already of {@link #KIND}, else a segment of that class over the same memory, size
     * and scope (its arena's liveness still checked on every read, read-only still read-only). Keep the original
     * where its own class matters (a mapped file's {@code load()}).
     *
     * @throws IllegalArgumentException for a heap segment, which has no native address to give the class
     */
    public static MemorySegment of(MemorySegment segment) {
        if (segment.getClass() == KIND) {
            return segment;
        }
        if (!segment.isNative()) {
            throw new IllegalArgumentException("segment: heap memory (" + segment + "), expected native memory (an "
                    + "arena's or a mapped file's): the kernels read rows from one class of segment");
        }
        return segment.reinterpret(segment.byteSize());
    }

    /** Whether {@code segment} is of the class the kernels read ({@link #KIND}). */
    public static boolean isKernelKind(MemorySegment segment) {
        return segment.getClass() == KIND;
    }
}
