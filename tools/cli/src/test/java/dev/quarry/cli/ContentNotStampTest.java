package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.labels.IdTable;
import dev.quarry.store.VectorStore;
import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import dev.quarry.testing.TestFiles;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What is derived from a file (an index, a checkpoint, an id cache) follows the file's content, not
 * its size and modification time: a rewrite that keeps both is still seen.
 */
class ContentNotStampTest {
    @TempDir
    static Path catalog;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeCatalog() {
        new SyntheticCatalog(new CatalogSpec(2000, 200, 16, 20, 0.5, 3, 0.05, 5)).write(catalog);
    }

    /** The corpus rows in another order: same shape, same size, other content. */
    private static float[][] permutedRows(Path store) {
        try (VectorStore s = VectorStore.open(store)) {
            float[][] rows = new float[(int) s.count()][s.dim()];
            for (int r = 0; r < rows.length; r++) {
                s.copyRow(r, rows[r]);
            }
            List<float[]> list = new ArrayList<>(List.of(rows));
            Collections.shuffle(list, new java.util.Random(3));
            return list.toArray(new float[0][]);
        }
    }

    /** Rewrites {@code file} with {@code replacement}'s bytes, keeping its size and mtime. */
    private static void replaceKeepingStamp(Path file, Path replacement) throws IOException {
        FileTime mtime = Files.getLastModifiedTime(file);
        assertEquals(Files.size(file), Files.size(replacement), "same size");
        Files.write(file, Files.readAllBytes(replacement));
        Files.setLastModifiedTime(file, mtime);
    }

    private List<Object> mine(Path corpus, Path output) {
        return new ArrayList<>(List.of("mine", "--corpus", corpus, "--queries", catalog.resolve("queries.qvec"),
                "--qrels", catalog.resolve("qrels.tsv"), "--range-max", 30, "--output", output));
    }

    @Test
    void anIndexOfAnotherStoreOfTheSameShapeIsRefused() throws IOException {
        Path corpus = Files.copy(catalog.resolve("corpus.qvec"), dir.resolve("corpus.qvec"));
        Files.copy(catalog.resolve("corpus.qvec.ids"), dir.resolve("corpus.qvec.ids"));
        Path permuted = TestFiles.qvec(dir.resolve("permuted.qvec"), permutedRows(corpus), true);
        Path index = dir.resolve("permuted.qivf");
        assertEquals(0, CliRun.of("index", "build", "--store", permuted, "--nlist", 8, "--output", index).exitCode());
        List<Object> args = mine(corpus, dir.resolve("m.jsonl"));
        args.addAll(List.of("--index", index));
        CliRun run = CliRun.of(args.toArray());
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().contains(index + ": store checksum="), run::toString);
        assertTrue(run.err().contains("rebuild it with quarry index build"), run::toString);
    }

    @Test
    void theChecksumIsOfTheRowsSoAnIndexServesTheSameRowsInAnotherFormat() throws IOException {
        float[][] rows = permutedRows(catalog.resolve("corpus.qvec"));
        Path qvec = TestFiles.qvec(dir.resolve("rows.qvec"), rows, true);
        Path npy = TestFiles.awaitSettled(TestFiles.npyF4(dir.resolve("rows.npy"), rows)); // a file just written is not kept
        Path index = dir.resolve("rows.qivf");
        assertEquals(0, CliRun.of("index", "build", "--store", qvec, "--nlist", 8, "--output", index).exitCode());
        try (VectorStore fromNpy = VectorStore.open(npy);
             IvfIndex opened = IvfIndex.open(index, fromNpy, VectorKernelsProvider.get())) {
            assertEquals(8, opened.nlist());
        }
        assertTrue(Files.exists(dir.resolve("rows.npy.qsum")), "the npy scan is cached beside it");
    }

    @Test
    void aStaleIdCacheIsRebuiltWhenTheIdsChangeWithTheSameSizeAndMtime() throws IOException {
        Path ids = Files.copy(catalog.resolve("corpus.qvec.ids"), dir.resolve("corpus.qvec.ids"));
        List<String> lines = new ArrayList<>(Files.readAllLines(ids));
        try (IdTable table = IdTable.forIdFile(ids)) {
            assertEquals(lines.getFirst(), table.id(0));
        }
        assertTrue(Files.exists(dir.resolve("corpus.qvec.ids.qidx")), "the id table is cached");
        // Swap the ids of rows: same lines in another order, same size, same mtime.
        Collections.reverse(lines);
        replaceKeepingStamp(ids, Files.write(dir.resolve("swapped.ids"), lines));
        try (IdTable table = IdTable.forIdFile(ids)) {
            assertEquals(lines.getFirst(), table.id(0), "the cache follows the content");
            assertEquals(0, table.ordinal(lines.getFirst()));
        }
    }
}
