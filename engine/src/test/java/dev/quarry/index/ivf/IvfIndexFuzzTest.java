package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quarry.files.ContentChecksum;
import dev.quarry.files.FileFormat;
import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.ParserContract;
import dev.quarry.testing.TestFiles;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes {@link IvfHeader} and {@link IvfIndex#open} over a small valid store: the fuzzed input patches
 * a valid index built at test time (header fields, list offsets, ordinals, any byte, the footer, the header
 * CRC and the footer's checksum made consistent or not, the length changed). An index that opens must search without error and return
 * only rows of the store.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IvfIndexFuzzTest {
    private static final int ROWS = 40;
    private static final int DIM = 4;

    @TempDir
    static Path dir;

    private static VectorKernels kernels;
    private static VectorStore store;
    private static byte[] template;
    private static IvfHeader header;

    @BeforeAll
    static void buildIndex() throws IOException {
        kernels = VectorKernelsProvider.get();
        float[][] rows = TestVectors.rows(new SplittableRandom(11), ROWS, DIM);
        store = VectorStore.open(TestFiles.qvec(dir.resolve("corpus.qvec"), rows, false));
        Path index = dir.resolve("template.qivf");
        new IvfBuilder(kernels).build(store, new KMeansParams(3, 4, 64, 0, false, 42, 1), index, null);
        template = Files.readAllBytes(index);
        header = IvfHeader.decode(index, ByteBuffer.wrap(template), template.length, "");
    }

    @AfterAll
    static void closeStore() {
        store.close();
    }

    @FuzzTest
    void open(FuzzedDataProvider data) {
        byte[] file = template.clone();
        ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        for (int patches = data.consumeInt(0, 6); patches > 0; patches--) {
            switch (data.consumeInt(0, 9)) {
                case 0 -> buf.putShort(4 + 2 * data.consumeInt(0, 1), data.consumeShort()); // version, metric
                case 1 -> buf.putInt(8 + 4 * data.consumeInt(0, 1), data.consumeInt()); // dim, nlist
                case 2 -> buf.putLong(16 + 8 * data.consumeInt(0, 3), data.consumeLong()); // counts, seed, store count
                case 3 -> buf.putInt(48 + 4 * data.consumeInt(0, 1), data.consumeInt()); // store dim, zero
                case 4 -> buf.putLong(56 + 8 * data.consumeInt(0, 1), data.consumeLong()); // vector rows, store checksum
                case 5 -> buf.putLong((int) header.offsetsAt() + 8 * data.consumeInt(0, header.nlist()),
                        data.consumeLong(-2, ROWS + 2)); // list offsets
                case 6 -> buf.putInt((int) header.ordinalsAt() + 4 * data.consumeInt(0, (int) header.count() - 1),
                        data.consumeInt()); // ordinals
                case 7 -> buf.putFloat(data.consumeInt(IvfHeader.SIZE, file.length - 4), data.consumeFloat());
                case 8 -> file[data.consumeInt(file.length - FileFormat.FOOTER_BYTES, file.length - 1)] =
                        data.consumeByte(); // the footer
                default -> file[data.consumeInt(0, 75)] = data.consumeByte();
            }
        }
        if (data.consumeBoolean()) { // a consistent header CRC, so the checks behind it are reached
            CRC32C crc = new CRC32C();
            crc.update(file, 0, 72);
            buf.putInt(72, (int) crc.getValue());
        }
        if (data.consumeBoolean()) {
            file = Arrays.copyOf(file, Math.max(0, file.length + data.consumeInt(-128, 128)));
        }
        if (data.consumeBoolean() && file.length >= IvfHeader.SIZE + FileFormat.FOOTER_BYTES) {
            // A footer consistent with the body, so the structural checks behind the checksum are reached.
            int footerAt = file.length - FileFormat.FOOTER_BYTES;
            long body = new ContentChecksum().update(ByteBuffer.wrap(file, IvfHeader.SIZE, footerAt - IvfHeader.SIZE))
                    .value();
            ByteBuffer.wrap(file).put(footerAt, FileFormat.footer(body), 0, FileFormat.FOOTER_BYTES);
        }
        Path path = ParserContract.write(dir.resolve("fuzz.qivf"), file);
        try (IvfIndex index = ParserContract.resultOrDataError(() -> IvfIndex.open(path, store, kernels), path)) {
            if (index == null) {
                return;
            }
            float[] query = new float[DIM];
            store.copyRow(data.consumeInt(0, ROWS - 1), query);
            TopK top = index.search(QueryBlock.of(query), 5, Exclusions.NONE,
                    SearchParams.defaults().withThreads(1).withNprobe(index.nlist()));
            for (int i = 0; i < top.count(0); i++) {
                int id = top.id(0, i);
                assertTrue(id >= 0 && id < ROWS, () -> "search returned row " + id + ", the store has " + ROWS);
            }
        }
    }
}
