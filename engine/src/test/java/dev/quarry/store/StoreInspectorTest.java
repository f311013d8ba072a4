package dev.quarry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.testing.TestFiles;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The statistics {@code quarry info} prints are the true ones. */
class StoreInspectorTest {
    @TempDir
    Path dir;

    private final StoreInspector inspector = new StoreInspector(VectorKernelsProvider.get());

    @Test
    void reportsNormsZeroAndNonFiniteRows() {
        float[][] rows = {{3, 4}, {0, 0}, {Float.NaN, 1}, {1, 0}, {0, Float.POSITIVE_INFINITY}, {0, 0}};
        try (VectorStore store = VectorStore.open(TestFiles.npyF4(dir.resolve("s.npy"), rows))) {
            StoreStats stats = inspector.inspect(store, true, null);
            assertEquals(6, stats.rowsScanned());
            assertFalse(stats.sampled());
            assertEquals(2, stats.nonFiniteRows());
            assertEquals(2, stats.firstNonFiniteRow());
            assertEquals(2, stats.zeroRows());
            assertEquals(1, stats.firstZeroRow());
            assertEquals(0.0, stats.normMin());
            assertEquals(5.0, stats.normMax(), 1e-6);
            assertEquals((5 + 0 + 1 + 0) / 4.0, stats.normMean(), 1e-6);
            assertFalse(stats.unitNorm(1e-3));
            assertEquals(5, stats.nonUnitRows(), "all but {1, 0}");
            assertEquals(0, stats.firstNonUnitRow());
            assertEquals(5.0, stats.firstNonUnitNorm(), 1e-6);
        }
    }

    @Test
    void findsTheFirstRowThatIsNotUnitNormIncludingHugeAndNanRows() {
        float[][] rows = {{0.6f, 0.8f}, {1, 0}, {4e18f, 3e18f}, {Float.NaN, 0}, {0.6f, 0.8f}};
        try (VectorStore store = VectorStore.open(TestFiles.qvec(dir.resolve("w.qvec"), rows, true))) {
            StoreStats stats = inspector.inspect(store, true, null);
            assertEquals(2, stats.nonUnitRows());
            assertEquals(2, stats.firstNonUnitRow());
            assertEquals(5e18, stats.firstNonUnitNorm(), 1e12, "squared, it overflows float32: computed exactly");
        }
        float third = (float) (1 / Math.sqrt(3));
        float[][] rounded = {{0.6f, 0.8f, 0}, {third, third, third}};
        try (VectorStore store = VectorStore.open(TestFiles.qvec(dir.resolve("r.qvec"), rounded, true))) {
            assertEquals(-1, inspector.inspect(store, true, null).firstNonUnitRow(), "float32 rounding is unit norm");
        }
    }

    @Test
    void samplesLargeStoresUnlessVerifying() {
        float[][] rows = new float[StoreInspector.SAMPLE_ROWS * 2 + 1][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new float[] {0.6f, 0.8f};
        }
        try (VectorStore store = VectorStore.open(TestFiles.qvec(dir.resolve("u.qvec"), rows, true))) {
            StoreStats sample = inspector.inspect(store, false, null);
            assertTrue(sample.sampled());
            assertEquals(StoreInspector.SAMPLE_ROWS, sample.rowsScanned());
            assertTrue(sample.unitNorm(1e-6));
            StoreStats all = inspector.inspect(store, true, null);
            assertEquals(rows.length, all.rowsScanned());
        }
    }

    @Test
    void verifyChecksEveryFvecsRowPrefix() {
        float[][] rows = {{1, 2}, {3, 4}, {5, 6}, {7, 8}};
        Path file = TestFiles.fvecs(dir.resolve("p.fvecs"), rows);
        TestFiles.poke(file, 12, 3); // row 1's prefix says 3; rows 0 and 3 (checked at open) are fine
        try (VectorStore store = VectorStore.open(file)) {
            QuarryDataException e = assertThrows(QuarryDataException.class, () -> inspector.inspect(store, true, null));
            assertEquals(file + ": row[1] dim=3, expected 2 as in row 0", e.getMessage());
        }
    }
}
