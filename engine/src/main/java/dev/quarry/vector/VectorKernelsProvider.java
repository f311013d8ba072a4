package dev.quarry.vector;

import java.lang.reflect.InvocationTargetException;

/**
 * Picks the kernels once per JVM: the SIMD implementation when the Vector API module is present and
 * the CPU has useful vectors, the scalar one otherwise, and says why in {@link #reason()} (printed
 * once to stderr on fallback, so a slow run is never a silent mystery).
 *
 * <p>System property {@code quarry.vector=scalar} forces the scalar kernels (benchmarks, debugging);
 * {@code quarry.vector.tile=wide|narrow} forces a micro-kernel shape instead of the one chosen from
 * the vector width.
 */
public final class VectorKernelsProvider {
    private static final String PANAMA_CLASS = "dev.quarry.vector.internal.PanamaVectorKernels";

    private static final class Holder {
        static final Choice CHOICE = choose();
    }

    private record Choice(VectorKernels kernels, String reason) {
    }

    private VectorKernelsProvider() {
    }

    /** The kernels this JVM uses. */
    public static VectorKernels get() {
        return Holder.CHOICE.kernels();
    }

    /** Why {@link #get()} is what it is, e.g. why it fell back to scalar. */
    public static String reason() {
        return Holder.CHOICE.reason();
    }

    /** The SIMD kernels, or an exception saying why they cannot run in this JVM. */
    public static VectorKernels panama() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new UnsupportedOperationException(
                    "module jdk.incubator.vector is not loaded: run the JVM with --add-modules jdk.incubator.vector");
        }
        try {
            Class<?> type = Class.forName(PANAMA_CLASS);
            return (VectorKernels) type.getMethod("create", String.class)
                    .invoke(null, System.getProperty("quarry.vector.tile", "auto"));
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new UnsupportedOperationException("cannot start the SIMD kernels: " + cause, cause);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new UnsupportedOperationException("cannot load the SIMD kernels: " + e, e);
        }
    }

    /**
     * The fast-scan kernel this JVM uses: the SIMD one when {@link #get()} is SIMD, the scalar oracle
     * otherwise (the same reason applies).
     */
    public static FastScanKernel fastScan() {
        if (get() instanceof ScalarVectorKernels) {
            return new ScalarFastScanKernel();
        }
        return fastScanPanama();
    }

    /** The SIMD fast-scan kernel, or an exception saying why it cannot run in this JVM. */
    public static FastScanKernel fastScanPanama() {
        panama(); // the same checks: the module, the compiler, the vector width
        try {
            return (FastScanKernel) Class.forName("dev.quarry.vector.internal.PanamaFastScanKernel")
                    .getMethod("create").invoke(null);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new UnsupportedOperationException("cannot start the fast-scan kernel: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new UnsupportedOperationException("cannot load the fast-scan kernel: " + e, e);
        }
    }

    private static Choice choose() {
        String forced = System.getProperty("quarry.vector", "auto");
        if (forced.equals("scalar")) {
            return new Choice(new ScalarVectorKernels(), "scalar kernels forced by -Dquarry.vector=scalar");
        }
        try {
            VectorKernels kernels = panama();
            return new Choice(kernels, "SIMD kernels: " + kernels.description());
        } catch (UnsupportedOperationException e) {
            if (forced.equals("panama")) {
                throw e;
            }
            String reason = "falling back to scalar kernels (several times slower): " + e.getMessage();
            System.err.println("quarry: " + reason);
            return new Choice(new ScalarVectorKernels(), reason);
        }
    }
}
