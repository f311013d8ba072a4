package dev.quarry.bench.peers;

import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.github.jbellis.jvector.vector.types.VectorTypeSupport;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows as JVector's own vector type ({@link VectorFloat} from the provider JVector picked at start-up),
 * and the name of that provider with the reason JVector logged for choosing it.
 */
final class JVectorVectors {
    /** Parent of the loggers of VectorizationProvider and of the providers it tries. */
    private static final String PROVIDER_LOGGER = "io.github.jbellis.jvector.vector";

    private JVectorVectors() {
    }

    /**
     * JVector's provider, with its log: NativeVectorizationProvider (its bundled C library, via FFM) where
     * the CPU has AVX-512, else PanamaVectorizationProvider, else DefaultVectorizationProvider (scalar);
     * {@code -Djvector.vectorization_provider=panama|native|default} forces one.
     */
    static String provider() {
        List<String> log = ProviderLog.capture(PROVIDER_LOGGER, VectorizationProvider::getInstance);
        return ProviderLog.describe("jvector " + VectorizationProvider.getInstance().getClass().getSimpleName(), log);
    }

    /** Each row wrapped by the provider's vector type. */
    static List<VectorFloat<?>> of(float[][] rows) {
        VectorTypeSupport types = VectorizationProvider.getInstance().getVectorTypeSupport();
        List<VectorFloat<?>> vectors = new ArrayList<>(rows.length);
        for (float[] row : rows) {
            vectors.add(types.createFloatVector(row));
        }
        return vectors;
    }
}
