package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The content checksum that names an index in a run's fingerprint: same build, same value; any other, another. */
class IvfContentChecksumTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    @Test
    void identifiesTheBuildNotTheFileName(@TempDir Path dir) {
        try (VectorStore store = VectorStore.copyOf("corpus", TestVectors.rows(new SplittableRandom(3), 2000, 16), false)) {
            long first = checksum(build(store, dir.resolve("a.qivf"), 42), store);
            assertEquals(first, checksum(build(store, dir.resolve("b.qivf"), 42), store), "the same build, elsewhere");
            assertNotEquals(first, checksum(build(store, dir.resolve("c.qivf"), 7), store), "other centroids");
        }
    }

    private static Path build(VectorStore store, Path file, long seed) {
        new IvfBuilder(KERNELS).build(store, new KMeansParams(20, 4, 64, 0, false, seed, 2), file, null);
        return file;
    }

    private static long checksum(Path file, VectorStore store) {
        try (IvfIndex ivf = IvfIndex.open(file, store, KERNELS)) {
            return ivf.contentChecksum();
        }
    }
}
