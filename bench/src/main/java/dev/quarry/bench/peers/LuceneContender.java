package dev.quarry.bench.peers;

import java.util.List;
import org.apache.lucene.util.VectorUtil;

/**
 * Lucene's SIMD dot product ({@link VectorUtil#dotProduct(float[], float[])}, Panama when the JVM runs
 * with {@code --add-modules jdk.incubator.vector}) in a brute-force loop over {@code float[][]} rows on
 * the heap, as a Lucene user without an index would write it.
 */
public final class LuceneContender extends HeapRowsContender {
    /** Parent of the loggers of VectorizationProvider (fallback reasons) and PanamaVectorizationProvider (setup). */
    private static final String PROVIDER_LOGGER = "org.apache.lucene.internal.vectorization";

    @Override
    public String simd() {
        List<String> log = ProviderLog.capture(PROVIDER_LOGGER,
                () -> VectorUtil.dotProduct(new float[1], new float[1]));
        return ProviderLog.describe("lucene " + implementation(), log);
    }

    /** The class behind VectorUtil (PanamaVectorUtilSupport or DefaultVectorUtilSupport): Lucene's own choice. */
    private static String implementation() {
        try {
            var field = VectorUtil.class.getDeclaredField("IMPL");
            field.setAccessible(true);
            return field.get(null).getClass().getSimpleName();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "unknown provider (" + e + ")";
        }
    }

    @Override
    protected float dot(float[] a, float[] b) {
        return VectorUtil.dotProduct(a, b);
    }
}
