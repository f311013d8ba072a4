package dev.quarry.index.ivf;

import dev.quarry.index.SearchParams;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.VectorIndexContract;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * An index with int8 lists against the shared index suite, probing every list and rescoring every row
 * probed: its results must be brute force's exactly, ids and scores, as the float32 index's are.
 */
class IvfInt8IndexTest extends VectorIndexContract {
    @TempDir
    Path dir;

    @Override
    protected VectorIndex create(VectorStore store) {
        try {
            Path file = Files.createTempFile(dir, "index", ".qivf");
            int nlist = (int) Math.max(1, Math.min(store.count(), store.count() / 40 + 1));
            new IvfBuilder(VectorKernelsProvider.get()).build(store,
                    new KMeansParams(nlist, 4, 64, 0, false, 42, 2), ListEncoding.INT8, file, null);
            return IvfIndex.open(file, store, VectorKernelsProvider.get());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected SearchParams exactParams(VectorIndex index) {
        return SearchParams.defaults().withNprobe(((IvfIndex) index).nlist()).withOversample(Float.POSITIVE_INFINITY);
    }
}
