package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.eval.IndexRecall;
import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.store.VectorStore;
import dev.quarry.synth.BenchmarkVectors;
import dev.quarry.testing.TestFiles;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Building, opening and searching IVF indexes: determinism, recall, and every bad input. */
class IvfBuildTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    @TempDir
    static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeData() {
        BenchmarkVectors clustered = new BenchmarkVectors(BenchmarkVectors.Kind.CLUSTERED, 24, 7);
        clustered.write(data.resolve("corpus.qvec"), 20_000, 0, null);
        clustered.write(data.resolve("queries.qvec"), 300, 20_000, null);
        new BenchmarkVectors(BenchmarkVectors.Kind.UNIFORM, 16, 7).write(data.resolve("other.qvec"), 20_000, 0, null);
    }

    private static IvfBuilder.Report build(VectorStore store, int nlist, int threads, Path file) {
        return new IvfBuilder(KERNELS).build(store, new KMeansParams(nlist, 6, 64, 0, true, 42, threads), file, null);
    }

    @Test
    void theSameSeedBuildsTheSameBytesForAnyThreadCount() throws IOException {
        try (VectorStore store = VectorStore.open(data.resolve("corpus.qvec"))) {
            IvfBuilder.Report one = build(store, 100, 1, dir.resolve("one.qivf"));
            build(store, 100, 3, dir.resolve("three.qivf"));
            assertEquals(-1, Files.mismatch(dir.resolve("one.qivf"), dir.resolve("three.qivf")));
            assertEquals(100, one.nlist());
            assertTrue(one.imbalance() >= 1 && one.imbalance() < 3, "imbalance " + one.imbalance());
            assertEquals(100 * 64, one.training().sample(), "sample capped at 64 points per centroid");
        }
    }

    @Test
    void assigningAndWritingTheRowsReportTheirProgress() {
        StringWriter lines = new StringWriter();
        try (VectorStore store = VectorStore.open(data.resolve("corpus.qvec"))) {
            new IvfBuilder(KERNELS).build(store, new KMeansParams(64, 2, 64, 0, true, 42, 2), dir.resolve("p.qivf"),
                    new PrintWriter(lines, true));
        }
        assertTrue(lines.toString().contains("assign rows to lists: 20,000/20,000 rows (100.0%)"), lines.toString());
        assertTrue(lines.toString().contains("write lists: 20,000/20,000 rows (100.0%)"), lines.toString());
    }

    @Test
    void recallGrowsWithNprobeAndIsExactWhenEveryListIsProbed() {
        try (VectorStore store = VectorStore.open(data.resolve("corpus.qvec"));
             VectorStore queries = VectorStore.open(data.resolve("queries.qvec"))) {
            build(store, 128, 2, dir.resolve("c.qivf"));
            try (IvfIndex ivf = IvfIndex.open(dir.resolve("c.qivf"), store, KERNELS)) {
                List<IndexRecall.Point> sweep = IndexRecall.sweep(new FlatIndex(store, KERNELS), ivf, queries, 300, 100,
                        new int[] {1, 4, 16, 128}, 2);
                for (int i = 1; i < sweep.size(); i++) {
                    assertTrue(sweep.get(i).recall() >= sweep.get(i - 1).recall(), sweep.toString());
                }
                assertTrue(sweep.get(2).recall() > 0.5, sweep.toString()); // nprobe 16 of 128 lists
                assertEquals(1.0, sweep.get(3).recall(), sweep.toString());
            }
        }
    }

    @Test
    void emptyClustersAreRepairedAndReported() {
        // 2,000 rows but only 5 distinct vectors: most of 40 centroids start on duplicates and go empty.
        float[][] rows = new float[2000][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new float[] {i % 5, 1, (i % 5) * (i % 5)};
        }
        try (VectorStore store = VectorStore.copyOf("dups", rows, false)) {
            IvfBuilder.Report report = new IvfBuilder(KERNELS).build(store,
                    new KMeansParams(40, 5, 64, 0, false, 1, 2), dir.resolve("d.qivf"), null);
            assertTrue(report.training().emptyRepaired() > 0, report.describe());
            try (IvfIndex ivf = IvfIndex.open(dir.resolve("d.qivf"), store, KERNELS)) {
                assertEquals(2000, ivf.size());
                assertEquals(100, ivf.search(QueryBlock.of(rows[3]), 100, Exclusions.NONE,
                        SearchParams.defaults().withNprobe(40)).count(0));
            }
        }
    }

    @Test
    void rejectsNlistBeyondTheVectorsAndASampleSmallerThanNlist() {
        float[][] rows = {{1, 0}, {0, 1}, {1, 1}};
        try (VectorStore store = VectorStore.copyOf("tiny", rows, false)) {
            QuarryUsageException e = assertThrows(QuarryUsageException.class, () -> build(store, 4, 1,
                    dir.resolve("t.qivf")));
            assertEquals("nlist=4, expected at most the number of vectors (3 in tiny)", e.getMessage());
        }
        try (VectorStore store = VectorStore.open(data.resolve("corpus.qvec"))) {
            QuarryUsageException e = assertThrows(QuarryUsageException.class, () -> new IvfBuilder(KERNELS).build(
                    store, new KMeansParams(100, 2, 64, 50, true, 1, 1), dir.resolve("s.qivf"), null));
            assertEquals("maxTrainingPoints=50, expected at least nlist=100 points (one per centroid)", e.getMessage());
        }
        assertEquals(List.of(), TestFiles.list(dir), "nothing written");
    }

    @Test
    void rejectsCorruptTruncatedAndForeignIndexes() throws IOException {
        Path file = dir.resolve("x.qivf");
        try (VectorStore store = VectorStore.open(data.resolve("corpus.qvec"))) {
            build(store, 50, 2, file);
            Path crc = Files.copy(file, dir.resolve("crc.qivf"));
            TestFiles.poke(crc, 12, 7); // nlist
            QuarryDataException e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(crc, store, KERNELS));
            assertTrue(e.getMessage().startsWith(crc + ": header crc="), e.getMessage());

            Path old = Files.copy(file, dir.resolve("old.qivf"));
            TestFiles.poke(old, 4, 1); // version 1: vectors row after row, before row panels
            e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(old, store, KERNELS));
            assertEquals(old + ": version=1, expected 4 to 6 (a .qivf index written by an older Quarry: rebuild it with"
                    + " quarry index build --store " + store.path() + " --type ivf --nlist 50 --output " + old + ")",
                    e.getMessage());

            Path cut = Files.copy(file, dir.resolve("cut.qivf"));
            TestFiles.truncate(cut, Files.size(file) - 4);
            e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(cut, store, KERNELS));
            assertTrue(e.getMessage().startsWith(cut + ": size=") && e.getMessage().contains("(truncated)"),
                    e.getMessage());

            Path junk = Files.writeString(dir.resolve("junk.qivf"), "not an index".repeat(400));
            e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(junk, store, KERNELS));
            assertTrue(e.getMessage().contains("magic="), e.getMessage());
        }
        try (VectorStore other = VectorStore.open(data.resolve("other.qvec"))) {
            QuarryDataException e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(file, other, KERNELS));
            assertTrue(e.getMessage().startsWith(file + ": built from=a store of count=20000 dim=24"), e.getMessage());
            assertTrue(e.getMessage().contains("dim=16"), e.getMessage());
        }
    }

    @Test
    void aDamagedByteAnywhereInTheBodyIsRefusedNamingTheFileAndTheRebuild() throws IOException {
        Path file = dir.resolve("x.qivf");
        try (VectorStore store = VectorStore.open(data.resolve("corpus.qvec"))) {
            build(store, 50, 2, file);
            long size = Files.size(file);
            // A centroid, a list offset, an ordinal, a vector, the last byte before the footer: each is caught.
            IvfHeader h = IvfHeader.decode(file, ByteBuffer.wrap(Files.readAllBytes(file)), size, "");
            for (long at : new long[] {h.centroidsAt() + 5, h.offsetsAt() + 9, h.ordinalsAt() + 2, h.vectorsAt() + 77,
                    h.footerAt() - 1}) {
                Path damaged = Files.copy(file, dir.resolve("damaged-" + at + ".qivf"));
                TestFiles.flip(damaged, at);
                QuarryDataException e = assertThrows(QuarryDataException.class,
                        () -> IvfIndex.open(damaged, store, KERNELS), "byte " + at);
                assertTrue(e.getMessage().startsWith(damaged + ": footer checksum=0x"), e.getMessage());
                assertTrue(e.getMessage().contains(" computed from bytes 4096.." + (h.footerAt() - 1) + " (the file is"
                        + " damaged, or changed after it was written: rebuild it with quarry index build --store "
                        + store.path() + " --type ivf --nlist 50 --output " + damaged + ")"), e.getMessage());
            }
            Path footer = Files.copy(file, dir.resolve("footer.qivf"));
            TestFiles.flip(footer, size - 16); // the footer's magic
            QuarryDataException e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(footer, store, KERNELS));
            assertTrue(e.getMessage().startsWith(footer + ": footer magic="), e.getMessage());
            try (IvfIndex intact = IvfIndex.open(file, store, KERNELS)) {
                assertEquals(50, intact.nlist());
            }
        }
    }

    @Test
    void aBodyCheckedAtOneOpenIsCheckedAgainAfterAnInPlaceRewriteOfTheSameSizeAndMtime() throws IOException {
        Path file = dir.resolve("kept.qivf");
        try (VectorStore store = VectorStore.open(data.resolve("corpus.qvec"))) {
            build(store, 50, 2, file);
            TestFiles.awaitSettled(file);
            try (IvfIndex first = IvfIndex.open(file, store, KERNELS)) {
                assertTrue(first.bodyReadAtOpen(), "the first open reads the body");
            }
            assertTrue(Files.isRegularFile(dev.quarry.files.ChecksumCache.besideOf(file)), "the check was kept");
            try (IvfIndex again = IvfIndex.open(file, store, KERNELS)) {
                assertFalse(again.bodyReadAtOpen(), "an unchanged file is not read again");
            }
            IvfHeader h = IvfHeader.decode(file, ByteBuffer.wrap(Files.readAllBytes(file)), Files.size(file), "");
            TestFiles.flipKeepingMtime(file, h.vectorsAt() + 77); // a vector's byte: same inode, size and mtime
            QuarryDataException e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(file, store, KERNELS));
            assertTrue(e.getMessage().startsWith(file + ": footer checksum=0x"), e.getMessage());
        }
    }

    @Test
    void rejectsAHeaderWhoseDimIsNotTheStoresOrWhoseSectionsOverflow() throws IOException {
        Path file = dir.resolve("x.qivf");
        try (VectorStore store = VectorStore.open(data.resolve("corpus.qvec"))) {
            build(store, 50, 2, file);
            IvfHeader h = IvfHeader.decode(file, ByteBuffer.wrap(Files.readAllBytes(file)), Files.size(file), "");
            // nlist x dim x 4 and dim x vector rows x 4 wrap around 2^64 to a few KiB: the file is made that long.
            IvfHeader wrapped = new IvfHeader(h.metric(), 1 << 30, Integer.MAX_VALUE, 16, h.trainedOn(), h.seed(),
                    h.storeCount(), h.storeDim(), (1L << 31) - 3, h.storeChecksum(), IvfHeader.FLOAT32, 0);
            long size = wrapped.fileSize();
            assertTrue(size > IvfHeader.SIZE && size < 8192, "the section sizes wrap around to " + size + " bytes");
            Path forged = dir.resolve("forged.qivf");
            Files.write(forged, Arrays.copyOf(wrapped.encode().array(), (int) size));
            QuarryDataException e = assertThrows(QuarryDataException.class, () -> IvfIndex.open(forged, store, KERNELS));
            assertTrue(e.getMessage().startsWith(forged + ": dim=1073741824, expected 24"), e.getMessage());
        }
    }

    @Test
    void rejectsNprobeOutsideOneToNlist() {
        try (VectorStore store = VectorStore.open(data.resolve("corpus.qvec"))) {
            build(store, 20, 1, dir.resolve("n.qivf"));
            try (IvfIndex ivf = IvfIndex.open(dir.resolve("n.qivf"), store, KERNELS)) {
                QueryBlock q = QueryBlock.of(new float[24]);
                QuarryUsageException e = assertThrows(QuarryUsageException.class,
                        () -> ivf.search(q, 10, Exclusions.NONE, SearchParams.defaults().withNprobe(21)));
                assertEquals("nprobe=21, expected 1 <= nprobe <= nlist=20", e.getMessage());
            }
        }
    }

    @Test
    void reassigningTheSameRowsGivesTheListsOfTheBuild() {
        try (VectorStore store = VectorStore.open(data.resolve("corpus.qvec"))) {
            build(store, 64, 2, dir.resolve("built.qivf"));
            try (IvfIndex built = IvfIndex.open(dir.resolve("built.qivf"), store, KERNELS)) {
                new IvfBuilder(KERNELS).reassign(store, built, 2, dir.resolve("again.qivf"), null);
                try (IvfIndex again = IvfIndex.open(dir.resolve("again.qivf"), store, KERNELS)) {
                    assertTrue(Arrays.equals(built.centroids(), again.centroids()));
                    for (int list = 0; list < 64; list++) {
                        assertEquals(built.listSize(list), again.listSize(list), "list " + list);
                    }
                }
            }
        }
    }

    @Test
    void reassigningMovedRowsKeepsTheCentroidsAndIndexesEveryRow() {
        try (VectorStore store = VectorStore.open(data.resolve("corpus.qvec"));
             VectorStore queries = VectorStore.open(data.resolve("queries.qvec"))) {
            build(store, 64, 2, dir.resolve("old.qivf"));
            // The same rows re-embedded by a "newer model": every vector moved a little.
            java.util.Random random = new java.util.Random(3);
            float[][] moved = new float[(int) store.count()][store.dim()];
            for (int r = 0; r < moved.length; r++) {
                store.copyRow(r, moved[r]);
                for (int k = 0; k < moved[r].length; k++) {
                    moved[r][k] += (float) (0.05 * random.nextGaussian());
                }
            }
            try (IvfIndex old = IvfIndex.open(dir.resolve("old.qivf"), store, KERNELS);
                 VectorStore next = VectorStore.copyOf("moved", moved, false)) {
                IvfBuilder.Report report = new IvfBuilder(KERNELS).reassign(next, old, 2, dir.resolve("new.qivf"),
                        null);
                assertEquals(64, report.nlist());
                try (IvfIndex fresh = IvfIndex.open(dir.resolve("new.qivf"), next, KERNELS)) {
                    assertTrue(Arrays.equals(old.centroids(), fresh.centroids()));
                    long rows = 0;
                    boolean changed = false;
                    for (int list = 0; list < 64; list++) {
                        rows += fresh.listSize(list);
                        changed |= fresh.listSize(list) != old.listSize(list);
                    }
                    assertEquals(store.count(), rows);
                    assertTrue(changed, "moved rows should change some list");
                    List<IndexRecall.Point> all = IndexRecall.sweep(new FlatIndex(next, KERNELS), fresh, queries, 300,
                            100, new int[] {64}, 2);
                    assertEquals(1.0, all.get(0).recall(), all.toString());
                }
            }
        }
    }

    @Test
    void reassigningRowsOfAnotherDimensionIsRefused() {
        try (VectorStore store = VectorStore.open(data.resolve("corpus.qvec"));
             VectorStore other = VectorStore.open(data.resolve("other.qvec"))) {
            build(store, 16, 2, dir.resolve("c.qivf"));
            try (IvfIndex ivf = IvfIndex.open(dir.resolve("c.qivf"), store, KERNELS)) {
                QuarryDataException e = assertThrows(QuarryDataException.class, () ->
                        new IvfBuilder(KERNELS).reassign(other, ivf, 2, dir.resolve("o.qivf"), null));
                assertTrue(e.getMessage().contains("dim=16, expected 24"), e.getMessage());
                assertTrue(Files.notExists(dir.resolve("o.qivf")));
            }
        }
    }
}
