package dev.quarry.vector;

/**
 * A query's lookup tables for 4-bit product quantization, and the encoder of rows. The codebook holds, for
 * each of {@code m} sub-spaces (consecutive runs of {@code dim / m} components), 16 centroids:
 * {@code centroids[(s x 16 + e) x sub + i]}, {@code sub = dim / m}. A query's float table entry
 * {@code (s, e)} is the inner product of its sub-space {@code s} with centroid {@code e}, so a row's
 * approximate score is the sum of its codes' entries.
 *
 * <p>For the fast-scan kernel the float tables become uint8: each sub-space is shifted by its own minimum
 * {@code b_s} and all share one step {@code delta = max_s (max_e t - b_s) / 255}, so
 * {@code score ~ sum_s b_s + delta x sum_s u_s(code)}, off by at most {@code m x delta / 2} from the
 * float tables' sum (rounding to the nearest step). Stateless; thread-safe.
 */
public final class FastScanTables {
    private FastScanTables() {
    }

    /** A query's mapping from the kernel's integer sum to a score: {@code bias + scale x sum}. */
    public record Scale(float scale, double bias) {
        /** The approximate score of a row whose table sum is {@code sum}. */
        public double score(int sum) {
            return bias + (double) scale * sum;
        }
    }

    /** The float tables of {@code query}: {@code m x 16} inner products, sub-space after sub-space. */
    public static float[] floatTables(float[] query, int dim, int m, float[] centroids) {
        int sub = subDim(dim, m, centroids);
        if (query.length < dim) {
            throw new IllegalArgumentException("query.length=" + query.length + ", expected >= dim=" + dim);
        }
        float[] tables = new float[m * FastScanLayout.ENTRIES];
        for (int s = 0; s < m; s++) {
            for (int e = 0; e < FastScanLayout.ENTRIES; e++) {
                int c = (s * FastScanLayout.ENTRIES + e) * sub;
                float dot = 0f;
                for (int i = 0; i < sub; i++) {
                    dot = Math.fma(query[s * sub + i], centroids[c + i], dot);
                }
                if (!Float.isFinite(dot)) {
                    throw new IllegalArgumentException("table entry of subspace=" + s + ", entry=" + e + " is "
                            + dot + ", expected finite (a query or centroid component is NaN or infinite)");
                }
                tables[s * FastScanLayout.ENTRIES + e] = dot;
            }
        }
        return tables;
    }

    /**
     * Quantizes float tables ({@code m x 16}) to uint8 into {@code out} at {@code at}
     * ({@link FastScanLayout#tableBytes(int)} bytes, padded sub-spaces zeroed) and returns the mapping back.
     * A query whose tables are flat in every sub-space gets {@code scale = 0}: every row scores the bias.
     */
    public static Scale quantize(float[] tables, int m, byte[] out, int at) {
        int padded = FastScanLayout.paddedSubspaces(m);
        if (tables.length < m * FastScanLayout.ENTRIES) {
            throw new IllegalArgumentException("tables.length=" + tables.length + ", expected >= 16 x m=" + 16 * m);
        }
        if (at < 0 || at + padded * FastScanLayout.ENTRIES > out.length) {
            throw new IllegalArgumentException("at=" + at + ", expected room for " + padded * FastScanLayout.ENTRIES
                    + " bytes in out.length=" + out.length);
        }
        float[] mins = new float[m];
        float range = 0f;
        double bias = 0;
        for (int s = 0; s < m; s++) {
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int e = 0; e < FastScanLayout.ENTRIES; e++) {
                float t = tables[s * FastScanLayout.ENTRIES + e];
                if (!Float.isFinite(t)) {
                    throw new IllegalArgumentException("table entry of subspace=" + s + ", entry=" + e + " is " + t
                            + ", expected finite");
                }
                min = Math.min(min, t);
                max = Math.max(max, t);
            }
            mins[s] = min;
            range = Math.max(range, max - min);
            bias += min;
        }
        float delta = range / 255f;
        for (int s = 0; s < padded; s++) {
            for (int e = 0; e < FastScanLayout.ENTRIES; e++) {
                int u = 0;
                if (s < m && delta > 0f) {
                    float steps = (tables[s * FastScanLayout.ENTRIES + e] - mins[s]) / delta;
                    u = Math.max(0, Math.min(255, Math.round(steps)));
                }
                out[at + s * FastScanLayout.ENTRIES + e] = (byte) u;
            }
        }
        return new Scale(delta, bias);
    }

    /**
     * Encodes {@code row}: per sub-space the index of the nearest centroid (squared Euclidean distance, the
     * lower index on a tie), into {@code out[at .. at + m)}.
     */
    public static void encode(float[] row, int dim, int m, float[] centroids, byte[] out, int at) {
        int sub = subDim(dim, m, centroids);
        for (int s = 0; s < m; s++) {
            int best = 0;
            float bestDistance = Float.POSITIVE_INFINITY;
            for (int e = 0; e < FastScanLayout.ENTRIES; e++) {
                int c = (s * FastScanLayout.ENTRIES + e) * sub;
                float d = 0f;
                for (int i = 0; i < sub; i++) {
                    float diff = row[s * sub + i] - centroids[c + i];
                    d = Math.fma(diff, diff, d);
                }
                if (d < bestDistance) {
                    bestDistance = d;
                    best = e;
                }
            }
            out[at + s] = (byte) best;
        }
    }

    private static int subDim(int dim, int m, float[] centroids) {
        FastScanLayout.checkSubspaces(m);
        if (dim < 1 || dim % m != 0) {
            throw new IllegalArgumentException("dim=" + dim + ", expected a positive multiple of subspaces=" + m);
        }
        if (centroids.length != FastScanLayout.ENTRIES * dim) {
            throw new IllegalArgumentException("centroids.length=" + centroids.length + ", expected 16 x dim="
                    + FastScanLayout.ENTRIES * dim);
        }
        return dim / m;
    }
}
