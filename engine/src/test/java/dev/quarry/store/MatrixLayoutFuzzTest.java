package dev.quarry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quarry.testing.ParserContract;
import dev.quarry.testing.TestFiles;
import dev.quarry.testing.TestVectors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the matrix headers a user's embeddings file reaches ({@link MatrixLayout#read} and
 * {@link VectorStore#open}): the fuzzed bytes are the whole {@code .npy} or {@code .fvecs} file; for
 * {@code .qvec} they patch the header (and the end) of a file {@link QvecWriter} wrote, so the target
 * does not depend on the format's size rule. A file that opens must map every row it claims.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MatrixLayoutFuzzTest {
    @TempDir
    static Path dir;

    /** Valid .qvec files of a few shapes, written once by the real writer. */
    private static final List<byte[]> QVEC_TEMPLATES = new ArrayList<>();

    @BeforeAll
    static void writeTemplates() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        int[][] shapes = {{1, 1}, {3, 2}, {8, 5}, {2, 0}};
        for (int[] shape : shapes) {
            Path file = dir.resolve("template-" + shape[0] + "x" + shape[1] + ".qvec");
            if (shape[1] == 0) {
                try (QvecWriter writer = QvecWriter.create(file, shape[0])) {
                    writer.finish(false);
                }
            } else {
                TestFiles.qvec(file, TestVectors.rows(random, shape[1], shape[0]), shape[0] != 8);
            }
            QVEC_TEMPLATES.add(Files.readAllBytes(file));
        }
    }

    @FuzzTest
    void npy(byte[] bytes) {
        open(ParserContract.write(dir.resolve("fuzz.npy"), bytes));
    }

    @FuzzTest
    void fvecs(byte[] bytes) {
        open(ParserContract.write(dir.resolve("fuzz.fvecs"), bytes));
    }

    @FuzzTest
    void qvec(FuzzedDataProvider data) {
        byte[] file = QVEC_TEMPLATES.get(data.consumeInt(0, QVEC_TEMPLATES.size() - 1)).clone();
        ByteBuffer head = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        for (int patches = data.consumeInt(0, 4); patches > 0; patches--) {
            switch (data.consumeInt(0, 5)) {
                case 0 -> head.putShort(4, data.consumeShort()); // version
                case 1 -> head.putShort(6, data.consumeShort()); // dtype
                case 2 -> head.putInt(8, data.consumeInt()); // dim
                case 3 -> head.putLong(12, data.consumeLong()); // count
                case 4 -> head.putInt(20, data.consumeInt()); // flags
                default -> file[data.consumeInt(0, 63)] = data.consumeByte();
            }
        }
        if (data.consumeBoolean()) { // a consistent header CRC, so the checks behind it are reached
            CRC32C crc = new CRC32C();
            crc.update(file, 0, 24);
            head.putInt(24, (int) crc.getValue());
        }
        if (data.consumeBoolean() && file.length > 0) { // the end of the file: the last row, or a footer
            file[file.length - data.consumeInt(1, Math.min(file.length, 64))] = data.consumeByte();
        }
        int delta = data.consumeInt(-64, 64);
        file = Arrays.copyOf(file, Math.max(0, file.length + delta));
        open(ParserContract.write(dir.resolve("fuzz.qvec"), file));
    }

    /** Reads the layout and opens the store; what opens must hold every row it claims. */
    private static void open(Path file) {
        MatrixLayout layout = ParserContract.resultOrDataError(() -> MatrixLayout.read(file), file);
        if (layout == null) {
            return;
        }
        assertTrue(layout.dim() >= 1 && layout.count() >= 0, layout::toString);
        assertTrue(layout.rowStride() >= (long) layout.type().bytes() * layout.dim(), layout::toString);
        assertTrue(layout.count() == 0 || layout.rowOffset(layout.count() - 1)
                + (long) layout.type().bytes() * layout.dim() <= layout.fileSize(), layout::toString);
        try (VectorStore store = ParserContract.resultOrDataError(() -> VectorStore.open(file), file)) {
            if (store == null) {
                assertEquals(ElementType.FLOAT16, layout.type(), "only float16 may be refused after its layout");
                return;
            }
            if (store.count() > 0) {
                float[] row = new float[store.dim()];
                store.copyRow(0, row);
                store.copyRow(store.count() - 1, row);
            }
        }
    }
}
