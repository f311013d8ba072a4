package dev.quarry.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The tables of 4-bit product quantization against the exact inner product of a query with a row's
 * reconstruction (its codes' centroids), computed here in double: the float tables to rounding, the uint8
 * tables through the kernel within {@code m x step / 2}; the encoder against a brute-force nearest centroid.
 */
class FastScanTablesTest {
    @Test
    void quantizedSumsThroughTheKernelScoreWithinHalfAStepPerSubspaceOfTheReconstruction() {
        SplittableRandom random = new SplittableRandom(21);
        FastScanKernel kernel = VectorKernelsProvider.fastScanPanama();
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{8, 1}, {12, 3}, {384, 48}, {384, 96}, {97, 97}}) {
                int dim = shape[0];
                int m = shape[1];
                float[] centroids = gaussian(random, 16 * dim);
                int rows = 70;
                byte[] codes = FastScanKernelTest.randomCodes(random, rows, m);
                MemorySegment packed = FastScanKernelTest.pack(arena, codes, rows, m, 0);
                float[] query = gaussian(random, dim);
                float[] floats = FastScanTables.floatTables(query, dim, m, centroids);
                byte[] tables = new byte[FastScanLayout.tableBytes(m)];
                FastScanTables.Scale scale = FastScanTables.quantize(floats, m, tables, 0);
                int[] sums = new int[rows];
                kernel.score(tables, 1, m, packed, 0, rows, sums);
                int sub = dim / m;
                for (int r = 0; r < rows; r++) {
                    double exact = 0;
                    for (int s = 0; s < m; s++) {
                        for (int i = 0; i < sub; i++) {
                            exact += (double) query[s * sub + i] * centroids[(s * 16 + codes[r * m + s]) * sub + i];
                        }
                    }
                    double bound = m * scale.scale() / 2 * 1.001 + 1e-4 * Math.sqrt(dim);
                    assertEquals(exact, scale.score(sums[r]), bound, "dim=" + dim + " m=" + m + " r=" + r);
                }
            }
        }
    }

    @Test
    void zeroQueryGivesZeroTablesAndScoresTheBias() {
        float[] centroids = gaussian(new SplittableRandom(22), 16 * 12);
        float[] floats = FastScanTables.floatTables(new float[12], 12, 3, centroids);
        byte[] tables = new byte[FastScanLayout.tableBytes(3)];
        tables[5] = 9;
        FastScanTables.Scale scale = FastScanTables.quantize(floats, 3, tables, 0);
        assertEquals(0f, scale.scale());
        assertEquals(0.0, scale.score(0));
        for (byte b : tables) {
            assertEquals(0, b);
        }
    }

    @Test
    void eachSubspacesSmallestEntryBecomesZeroAndTheWidestSubspacesLargest255() {
        float[] floats = new float[32];
        for (int e = 0; e < 16; e++) {
            floats[e] = -3f + e * 0.1f; // range 1.5
            floats[16 + e] = 10f + (e % 2) * 0.5f; // range 0.5
        }
        byte[] tables = new byte[FastScanLayout.tableBytes(2)];
        FastScanTables.Scale scale = FastScanTables.quantize(floats, 2, tables, 0);
        assertEquals(0, tables[0]);
        assertEquals(255, tables[15] & 0xFF);
        assertEquals(0, tables[16]);
        assertEquals(85, tables[17] & 0xFF);
        assertEquals(7.0, scale.bias(), 1e-6);
        assertEquals(1.5f / 255f, scale.scale(), 1e-9);
    }

    @Test
    void encoderPicksTheNearestCentroidOfEachSubspace() {
        SplittableRandom random = new SplittableRandom(23);
        int dim = 24;
        int m = 6;
        float[] centroids = gaussian(random, 16 * dim);
        byte[] codes = new byte[m];
        for (int t = 0; t < 50; t++) {
            float[] row = gaussian(random, dim);
            FastScanTables.encode(row, dim, m, centroids, codes, 0);
            for (int s = 0; s < m; s++) {
                double best = Double.POSITIVE_INFINITY;
                int arg = -1;
                for (int e = 0; e < 16; e++) {
                    double d = 0;
                    for (int i = 0; i < 4; i++) {
                        double x = row[s * 4 + i] - centroids[(s * 16 + e) * 4 + i];
                        d += x * x;
                    }
                    if (d < best) {
                        best = d;
                        arg = e;
                    }
                }
                assertEquals(arg, codes[s], "s=" + s);
            }
        }
    }

    @Test
    void rejectsNanQueriesAndDimensionsNotSplitEvenly() {
        float[] centroids = new float[16 * 12];
        float[] query = new float[12];
        query[7] = Float.NaN;
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> FastScanTables.floatTables(query, 12, 3, centroids));
        assertTrue(nan.getMessage().contains("subspace=1"), nan.getMessage());
        IllegalArgumentException split = assertThrows(IllegalArgumentException.class,
                () -> FastScanTables.floatTables(new float[12], 12, 5, centroids));
        assertTrue(split.getMessage().contains("dim=12, expected a positive multiple of subspaces=5"),
                split.getMessage());
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }
}
