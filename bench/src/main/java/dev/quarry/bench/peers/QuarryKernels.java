package dev.quarry.bench.peers;

import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;

/** The kernels the Quarry contenders run on, and how to report them: the SIMD shape, or why they fell back. */
final class QuarryKernels {
    private QuarryKernels() {
    }

    /** The kernels Quarry picked for this JVM, compiled before first use as the miners do. */
    static VectorKernels get() {
        VectorKernels kernels = VectorKernelsProvider.get();
        kernels.warmUp();
        return kernels;
    }

    /** E.g. {@code quarry panama 512-bit (16 lanes), tile 4x6 (wide)}, or {@code quarry scalar (reason)}. */
    static String describe() {
        String description = get().description();
        return "quarry " + description + (description.startsWith("panama") ? ""
                : " (" + VectorKernelsProvider.reason() + ")");
    }
}
