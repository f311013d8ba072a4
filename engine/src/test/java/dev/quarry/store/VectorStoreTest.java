package dev.quarry.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.files.FileFormat;
import dev.quarry.testing.TestFiles;
import dev.quarry.testing.TestVectors;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening stores in every format, in place, and refusing malformed files with errors that say what is wrong. */
class VectorStoreTest {
    @TempDir
    Path dir;

    private final SplittableRandom random = new SplittableRandom(42);

    @Test
    void qvecRoundTripsRowsAndFlags() {
        float[][] rows = TestVectors.rows(random, 17, 7);
        Path file = TestFiles.qvec(dir.resolve("a.qvec"), rows, true);
        try (VectorStore store = VectorStore.open(file)) {
            assertEquals(StoreFormat.QVEC, store.layout().format());
            assertEquals(17, store.count());
            assertEquals(7, store.dim());
            assertTrue(store.normalized());
            assertEquals(QvecHeader.SIZE, store.rowOffset(0), "rows start page-aligned");
            float[] row = new float[7];
            for (int r = 0; r < rows.length; r++) {
                store.copyRow(r, row);
                assertArrayEquals(rows[r], row);
                assertEquals(rows[r][3], store.row(r).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 12));
            }
        }
        assertEquals(List.of("a.qvec"), TestFiles.list(dir), "no temp file left");
    }

    @Test
    void npyFloat32OpensInPlaceForEveryFormatVersion() {
        float[][] rows = TestVectors.rows(random, 5, 3);
        Path v1 = TestFiles.npyF4(dir.resolve("v1.npy"), rows);
        try (VectorStore store = VectorStore.open(v1)) {
            assertEquals(StoreFormat.NPY, store.layout().format());
            assertEquals(0, store.rowOffset(0) % 64, "numpy aligns data to 64 bytes");
            assertEquals(rows[4][2], store.get(4, 2));
        }
        for (int major : new int[] {2, 3}) {
            Path file = TestFiles.npyRaw(dir.resolve("v" + major + ".npy"), major,
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3), }", 60);
            try (VectorStore store = VectorStore.open(file)) {
                assertEquals(5, store.count());
                assertEquals(3, store.dim());
                assertEquals(0f, store.get(4, 2));
            }
        }
    }

    @Test
    void npyHeaderKeysMayComeInAnyOrder() {
        Path file = TestFiles.npyRaw(dir.resolve("k.npy"), 1,
                "{\"shape\": (2,3), \"fortran_order\": False, \"descr\": \"<f4\"}", 24);
        try (VectorStore store = VectorStore.open(file)) {
            assertEquals(2, store.count());
            assertEquals(3, store.dim());
        }
    }

    @Test
    void fvecsOpensInPlaceSkippingRowPrefixes() {
        float[][] rows = TestVectors.rows(random, 9, 5);
        Path file = TestFiles.fvecs(dir.resolve("a.fvecs"), rows);
        try (VectorStore store = VectorStore.open(file)) {
            assertEquals(StoreFormat.FVECS, store.layout().format());
            assertEquals(9, store.count());
            assertEquals(24, store.rowStride());
            float[] row = new float[5];
            store.copyRow(8, row);
            assertArrayEquals(rows[8], row);
        }
    }

    @Test
    void mapsFilesLargerThanTwoGibibytes() throws IOException {
        int dim = 256;
        long count = (3L << 30) / (4L * dim); // 3 GiB of rows, sparse on disk
        Path file = dir.resolve("big.qvec");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(QvecHeader.of(dim, count, false).encode(), 0);
            ByteBuffer last = ByteBuffer.allocate(4 * dim).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < dim; k++) {
                last.putFloat(k + 0.5f);
            }
            ch.write(last.flip(), QvecHeader.SIZE + (count - 1) * 4L * dim);
            ch.write(FileFormat.footer(0), QvecHeader.SIZE + count * 4L * dim);
        }
        try (VectorStore store = VectorStore.open(file)) {
            assertTrue(store.segment().byteSize() > (2L << 30));
            assertEquals(count, store.count());
            assertEquals(255.5f, store.get(count - 1, 255));
            assertEquals(0f, store.get(count / 2, 7));
        }
    }

    @Test
    void rejectsEmptyFile() throws IOException {
        Path file = Files.createFile(dir.resolve("empty.npy"));
        assertError(file, "size=0 bytes");
    }

    @Test
    void rejectsWrongMagic() throws IOException {
        Path file = dir.resolve("junk.qvec");
        Files.writeString(file, "this is not a vector file at all, just text".repeat(200));
        assertError(file, "magic=\"this\"", "expected \"QVEC\"");
        Path unknown = dir.resolve("junk.bin");
        Files.writeString(unknown, "hello");
        assertError(unknown, "magic=0x68656c6c6f", "expected \"QVEC\"");
    }

    @Test
    void rejectsHeaderCrcMismatch() {
        Path file = TestFiles.qvec(dir.resolve("crc.qvec"), TestVectors.rows(random, 4, 4), false);
        TestFiles.poke(file, 8, 5); // dim 4 -> 5, CRC no longer matches
        assertError(file, "header crc=", "the header is corrupt");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        Path qvec = TestFiles.qvec(dir.resolve("t.qvec"), TestVectors.rows(random, 4, 4), false);
        TestFiles.truncate(qvec, QvecHeader.SIZE + 60);
        assertError(qvec, "size=4156 bytes", "4096 + count x dim x 4 + 16 = 4176", "truncated");

        Path npy = TestFiles.npyF4(dir.resolve("t.npy"), TestVectors.rows(random, 4, 4));
        long full = Files.size(npy);
        TestFiles.truncate(npy, full - 1);
        assertError(npy, "size=" + (full - 1) + " bytes", "x 4 x 4 = " + full + " bytes", "truncated");

        Path fvecs = TestFiles.fvecs(dir.resolve("t.fvecs"), TestVectors.rows(random, 4, 4));
        TestFiles.truncate(fvecs, 79);
        assertError(fvecs, "size=79 bytes", "multiple of 4 + 4 x dim = 20");

        Path header = TestFiles.npyF4(dir.resolve("h.npy"), TestVectors.rows(random, 4, 4));
        TestFiles.truncate(header, 30);
        assertError(header, "header length=128", "at most the file size 30", "truncated");
    }

    @Test
    void rejectsUnsupportedDtypes() {
        Path f8 = TestFiles.npyRaw(dir.resolve("f8.npy"), 1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 32);
        assertError(f8, "dtype=<f8", "expected <f4 or <f2");
        Path big = TestFiles.npyRaw(dir.resolve("be.npy"), 1,
                "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", 16);
        assertError(big, "dtype=>f4", "expected <f4 or <f2", "astype('<f4')");
        Path half = TestFiles.npyF2(dir.resolve("half.npy"), TestVectors.rows(random, 2, 2));
        assertError(half, "dtype=<f2", "quarry import");
    }

    @Test
    void rejectsFortranOrder() {
        Path file = TestFiles.npyRaw(dir.resolve("f.npy"), 1,
                "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16);
        assertError(file, "fortran_order=True", "expected False (C order)");
    }

    @Test
    void rejectsArraysThatAreNotTwoDimensional() {
        Path three = TestFiles.npyRaw(dir.resolve("3d.npy"), 1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }", 96);
        assertError(three, "shape=(2, 3, 4)", "expected a 2-d array (rows, dim)");
        Path one = TestFiles.npyRaw(dir.resolve("1d.npy"), 1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", 20);
        assertError(one, "shape=(5,)", "2-d");
    }

    @Test
    void rejectsMalformedNpyHeaderDict() {
        Path file = TestFiles.npyRaw(dir.resolve("m.npy"), 1, "{'descr': '<f4', 'fortran_order': Maybe}", 0);
        assertError(file, "header=", "True or False");
    }

    @Test
    void rejectsFvecsWhoseRowsDisagreeOnDimension() {
        Path file = TestFiles.fvecs(dir.resolve("d.fvecs"), TestVectors.rows(random, 3, 4));
        TestFiles.poke(file, 2 * 20, 9); // last row claims dim 9
        assertError(file, "row[2] dim=9", "expected 4 as in row 0");
    }

    @Test
    void rejectsMissingFile() {
        assertError(dir.resolve("nope.qvec"), "file=not found");
    }

    private static void assertError(Path file, String... fragments) {
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> VectorStore.open(file).close());
        assertTrue(e.getMessage().startsWith(file + ": "), () -> "names the file first: " + e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "'" + fragment + "' missing from: " + e.getMessage());
        }
        assertFalse(e.getMessage().contains("null"), e::getMessage);
    }
}
