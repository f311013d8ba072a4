package dev.quarry.bench.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.store.VectorStore;
import dev.quarry.synth.BenchmarkVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeLoadPositivesTest {

    @TempDir
    Path dir;

    @Test
    void positivesOfAnIndexWithFewerThan64ListsSearchEveryListAndMatchExactSearch() throws Exception {
        Path corpus = dir.resolve("corpus.qvec");
        Path queries = dir.resolve("queries.qvec");
        Path index = dir.resolve("corpus.qivf");
        BenchmarkVectors vectors = new BenchmarkVectors(BenchmarkVectors.Kind.CLUSTERED, 16, 3);
        vectors.write(corpus, 2_000, 0, null);
        vectors.write(queries, 40, 2_000, null);
        try (VectorStore store = VectorStore.open(corpus)) {
            new IvfBuilder(VectorKernelsProvider.get())
                    .build(store, new KMeansParams(8, 4, 64, 0, true, 42, 1), index, null);
        }
        Path out = dir.resolve("positives.tsv");

        ServeLoad.main(new String[] {"--positives", out.toString(), "--corpus", corpus.toString(),
                "--index", index.toString(), "--queries", queries.toString(), "--count", "40"});

        List<String> lines = Files.readAllLines(out);
        assertEquals(40, lines.size());
        try (VectorStore store = VectorStore.open(corpus); VectorStore q = VectorStore.open(queries)) {
            QueryBlock block = new QueryBlock(40, store.dim());
            float[] row = new float[store.dim()];
            for (int i = 0; i < 40; i++) {
                q.copyRow(i, row);
                block.add(row);
            }
            var exact = new FlatIndex(store, VectorKernelsProvider.get())
                    .search(block, 1, Exclusions.NONE, new SearchParams(1, 0));
            for (int i = 0; i < 40; i++) {
                // Every list probed: the IVF answer is the exact one.
                assertEquals(i + "\t" + exact.id(i, 0), lines.get(i));
            }
        }
    }
}
