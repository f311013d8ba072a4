package dev.quarry.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.testing.TestFiles;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Import converts, normalizes and validates, and never leaves a partial output behind. */
class StoreImporterTest {
    @TempDir
    Path dir;

    private final SplittableRandom random = new SplittableRandom(7);
    private final StoreImporter importer = new StoreImporter(VectorKernelsProvider.get());

    @Test
    void importsFloat32NpyAcrossSeveralChunksUnchanged() {
        // 1024-d rows: 4 MiB chunks hold 1024 rows, so 2500 rows take three chunks.
        float[][] rows = TestVectors.rows(random, 2500, 1024);
        Path in = TestFiles.npyF4(dir.resolve("in.npy"), rows);
        ImportReport report = importer.run(in, dir.resolve("out.qvec"), ImportOptions.defaults(), null);
        assertEquals(2500, report.rows());
        assertFalse(report.normalized());
        try (VectorStore store = VectorStore.open(report.output())) {
            float[] row = new float[1024];
            for (int r : new int[] {0, 1023, 1024, 2047, 2048, 2499}) {
                store.copyRow(r, row);
                assertArrayEquals(rows[r], row, "row " + r);
            }
        }
    }

    @Test
    void convertsFloat16NpyToFloat32() {
        float[][] rows = TestVectors.rows(random, 10, 6);
        Path in = TestFiles.npyF2(dir.resolve("half.npy"), rows);
        ImportReport report = importer.run(in, dir.resolve("half.qvec"), ImportOptions.defaults(), null);
        try (VectorStore store = VectorStore.open(report.output())) {
            for (int r = 0; r < 10; r++) {
                for (int k = 0; k < 6; k++) {
                    assertEquals(Float.float16ToFloat(Float.floatToFloat16(rows[r][k])), store.get(r, k));
                }
            }
        }
    }

    @Test
    void normalizeGivesUnitRowsAndSetsTheFlag() {
        float[][] rows = TestVectors.rows(random, 50, 33);
        rows[3][0] = 1e30f; // a row whose float squared norm overflows still normalizes
        Path in = TestFiles.fvecs(dir.resolve("in.fvecs"), rows);
        ImportReport report = importer.run(in, dir.resolve("unit.qvec"), new ImportOptions(true, false, null), null);
        assertTrue(report.normalized());
        try (VectorStore store = VectorStore.open(report.output())) {
            assertTrue(store.normalized());
            StoreStats stats = new StoreInspector(VectorKernelsProvider.get()).inspect(store, true, null);
            assertTrue(stats.maxUnitDeviation() < 1e-5, "max deviation " + stats.maxUnitDeviation());
            assertEquals(1f, store.get(3, 0), 1e-6f);
        }
    }

    @Test
    void alreadyUnitRowsAreFlaggedWithoutNormalize() {
        float[][] rows = TestVectors.rows(random, 20, 8);
        for (float[] row : rows) {
            VectorKernelsProvider.get().normalize(row, 0, 8);
        }
        Path in = TestFiles.npyF4(dir.resolve("unit.npy"), rows);
        assertTrue(importer.run(in, dir.resolve("u.qvec"), ImportOptions.defaults(), null).normalized());
    }

    @Test
    void rejectsNanRowsUnlessAllowed() {
        float[][] rows = TestVectors.rows(random, 12, 5);
        rows[7][2] = Float.NaN;
        rows[9][4] = Float.NEGATIVE_INFINITY;
        Path in = TestFiles.npyF4(dir.resolve("nan.npy"), rows);
        Path out = dir.resolve("nan.qvec");
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> importer.run(in, out, ImportOptions.defaults(), null));
        assertEquals(in + ": row[7]=NaN at column 2, expected finite values (pass --allow-nan to keep such rows)",
                e.getMessage());
        assertEquals(List.of("nan.npy"), TestFiles.list(dir), "no output, no temp file");

        ImportReport report = importer.run(in, out, new ImportOptions(false, true, null), null);
        assertEquals(2, report.nonFiniteRows());
        try (VectorStore store = VectorStore.open(out)) {
            StoreStats stats = new StoreInspector(VectorKernelsProvider.get()).inspect(store, true, null);
            assertEquals(2, stats.nonFiniteRows());
            assertEquals(7, stats.firstNonFiniteRow());
        }
    }

    @Test
    void rejectsZeroRowsUnderNormalize() {
        float[][] rows = TestVectors.rows(random, 6, 4);
        rows[4] = new float[4];
        Path in = TestFiles.npyF4(dir.resolve("zero.npy"), rows);
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> importer.run(in, dir.resolve("zero.qvec"), new ImportOptions(true, false, null), null));
        assertTrue(e.getMessage().startsWith(in + ": row[4] norm=0, expected a non-zero row"), e.getMessage());
        assertEquals(List.of("zero.npy"), TestFiles.list(dir));
    }

    @Test
    void rejectsAnOutputPathThatCannotBeWritten() throws IOException {
        Path in = TestFiles.npyF4(dir.resolve("ok.npy"), TestVectors.rows(random, 3, 3));
        Path missingDir = dir.resolve("no/such/dir/out.qvec");
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> importer.run(in, missingDir, ImportOptions.defaults(), null));
        assertTrue(e.getMessage().startsWith(missingDir + ": output=directory "), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());

        Path aDirectory = Files.createDirectory(dir.resolve("taken.qvec"));
        e = assertThrows(QuarryDataException.class, () -> importer.run(in, aDirectory, ImportOptions.defaults(), null));
        assertTrue(e.getMessage().contains("output=a directory, expected a regular file or a new path"), e.getMessage());
    }

    @Test
    void copiesIdsBesideTheStoreAndChecksTheirCount() throws IOException {
        Path in = TestFiles.npyF4(dir.resolve("c.npy"), TestVectors.rows(random, 3, 3));
        Path ids = Files.writeString(dir.resolve("ids.txt"), "doc-a\ndoc-b\ndoc-c\n");
        ImportReport report = importer.run(in, dir.resolve("c.qvec"), new ImportOptions(false, false, ids), null);
        assertEquals(dir.resolve("c.qvec.ids"), report.ids());
        assertEquals(List.of("doc-a", "doc-b", "doc-c"), Files.readAllLines(report.ids()));

        Path fewer = Files.writeString(dir.resolve("two.txt"), "x\ny\n");
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> importer.run(in, dir.resolve("d.qvec"), new ImportOptions(false, false, fewer), null));
        assertEquals(fewer + ": lines=2, expected 3 (one id per row of the input)", e.getMessage());
        assertFalse(Files.exists(dir.resolve("d.qvec")));
    }
}
