package dev.quarry.bench.peers;

import dev.quarry.vector.VectorKernels;

/** A Quarry index under test: the kernels Quarry picks for this JVM, compiled before the first pass. */
abstract class QuarryContender implements Contender {
    /** The SIMD kernels (or the scalar fallback) every Quarry search of this process runs on. */
    protected final VectorKernels kernels = QuarryKernels.get();

    @Override
    public String simd() {
        return QuarryKernels.describe();
    }
}
