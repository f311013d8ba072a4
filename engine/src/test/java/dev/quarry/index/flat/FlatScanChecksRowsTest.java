package dev.quarry.index.flat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.store.QvecHeader;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestFiles;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole scan checks the rows of a file against the checksum its footer records as it reads them: a
 * damaged row fails the search naming the file, however the scan is split, and an intact store is marked
 * checked.
 */
class FlatScanChecksRowsTest {
    private static final int ROWS = 3000; // six row blocks of the scan, the last one partial
    private static final int DIM = 16;
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    @TempDir
    Path dir;

    private final float[][] rows = TestVectors.rows(new SplittableRandom(5), ROWS, DIM);

    private static QueryBlock queries(float[][] rows, int n) {
        QueryBlock block = new QueryBlock(n, DIM);
        for (int i = 0; i < n; i++) {
            block.add(rows[i * 7]);
        }
        return block;
    }

    @Test
    void anIntactStoreIsCheckedByItsFirstWholeScan() {
        Path file = TestFiles.qvec(dir.resolve("c.qvec"), rows, false);
        try (VectorStore store = VectorStore.open(file)) {
            assertFalse(store.rowsChecked());
            new FlatIndex(store, KERNELS).search(queries(rows, 8), 10, Exclusions.NONE,
                    SearchParams.defaults().withThreads(1));
            assertTrue(store.rowsChecked());
        }
    }

    @Test
    void aDamagedRowFailsTheFirstWholeScanNamingTheFile() {
        Path file = TestFiles.qvec(dir.resolve("c.qvec"), rows, false);
        TestFiles.flip(file, QvecHeader.SIZE + 4L * DIM * 2500 + 3); // row 2500: the header and size are fine
        try (VectorStore store = VectorStore.open(file)) {
            QuarryDataException e = assertThrows(QuarryDataException.class, () -> new FlatIndex(store, KERNELS)
                    .search(queries(rows, 8), 10, Exclusions.NONE, SearchParams.defaults().withThreads(1)));
            assertTrue(e.getMessage().startsWith(file + ": footer checksum=0x"), e.getMessage());
            assertTrue(e.getMessage().endsWith("computed from the rows as a scan read them (the file is damaged, or"
                    + " changed after it was written: re-import the source)"), e.getMessage());
            QuarryDataException again = assertThrows(QuarryDataException.class, () -> new FlatIndex(store, KERNELS)
                    .search(queries(rows, 3), 10, Exclusions.NONE, SearchParams.defaults().withThreads(1)));
            assertEquals(e.getMessage(), again.getMessage(), "every later scan fails the same way");
            assertThrows(QuarryDataException.class, store::checkRows);
        }
    }

    @Test
    void aScanSplitBetweenThreadsChecksTheRowsOverTwoSearches() {
        Path file = TestFiles.qvec(dir.resolve("c.qvec"), rows, false);
        TestFiles.flip(file, QvecHeader.SIZE + 4L * DIM * 2900); // in the second thread's range
        try (VectorStore store = VectorStore.open(file)) {
            FlatIndex index = new FlatIndex(store, KERNELS);
            assertThrows(QuarryDataException.class, () -> {
                for (int i = 0; i < 2; i++) {
                    index.search(queries(rows, 8), 10, Exclusions.NONE, SearchParams.defaults().withThreads(2));
                }
            });
        }
        Path intact = TestFiles.qvec(dir.resolve("intact.qvec"), rows, false);
        try (VectorStore store = VectorStore.open(intact)) {
            FlatIndex index = new FlatIndex(store, KERNELS);
            for (int i = 0; i < 2; i++) {
                index.search(queries(rows, 8), 10, Exclusions.NONE, SearchParams.defaults().withThreads(2));
            }
            assertTrue(store.rowsChecked());
        }
    }

    @Test
    void checkRowsReadsWhatNoScanChecked() {
        Path file = TestFiles.qvec(dir.resolve("c.qvec"), rows, false);
        try (VectorStore store = VectorStore.open(file)) {
            store.scanned(0, 512); // a scan read the first block only
            store.checkRows();
            assertTrue(store.rowsChecked());
        }
        TestFiles.flip(file, QvecHeader.SIZE + 5);
        try (VectorStore store = VectorStore.open(file)) {
            assertTrue(assertThrows(QuarryDataException.class, store::checkRows).getMessage()
                    .startsWith(file + ": footer checksum="));
        }
    }
}
