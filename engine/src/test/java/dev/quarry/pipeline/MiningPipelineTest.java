package dev.quarry.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.files.AtomicOutput;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.io.MinedOutput;
import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.SamplingStrategy;
import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import dev.quarry.vector.ScalarVectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestFiles;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline writes the same bytes for any thread count, and a failed run resumes to the same bytes. */
class MiningPipelineTest {
    @TempDir
    static Path catalog;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeCatalog() {
        new SyntheticCatalog(new CatalogSpec(3000, 700, 16, 30, 0.5, 3, 0.05, 3)).write(catalog);
    }

    private static MiningRequest request(Path output, OutputFormat format, int threads, boolean resume,
                                         MiningConfig config, Consumer<MinedAnchor> listener) {
        return builder(output, format, threads, resume, config, listener).build();
    }

    private static MiningRequest.Builder builder(Path output, OutputFormat format, int threads, boolean resume,
                                                 MiningConfig config, Consumer<MinedAnchor> listener) {
        return MiningRequest.builder(catalog.resolve("corpus.qvec"), catalog.resolve("qrels.tsv"), output)
                .queries(catalog.resolve("queries.qvec"))
                .texts(catalog.resolve("corpus.jsonl"), catalog.resolve("queries.jsonl")).config(config)
                .outputOptions(new OutputOptions(format, config.numNegatives(), true, format != OutputFormat.NPY, false))
                .threads(threads).blockSize(64).resume(resume).checkpointIntervalNanos(0).listener(listener);
    }

    private static MiningConfig config() {
        return MiningConfig.defaults().withNumNegatives(4).withRange(1, 40).withSampling(SamplingStrategy.RANDOM);
    }

    private static MiningReport run(MiningRequest request) {
        return new MiningRunner(VectorKernelsProvider.get()).run(request, null);
    }

    @Test
    void outputIsByteIdenticalForOneTwoAndFourThreads() throws IOException {
        for (OutputFormat format : new OutputFormat[] {OutputFormat.N_TUPLE, OutputFormat.NPY}) {
            String ext = format == OutputFormat.NPY ? ".npy" : ".jsonl";
            MiningReport one = run(request(dir.resolve("t1" + ext), format, 1, false, config(), null));
            for (int threads : new int[] {2, 4}) {
                MiningReport many = run(request(dir.resolve("t" + threads + ext), format, threads, false, config(),
                        null));
                for (int f = 0; f < one.files().size(); f++) {
                    assertEquals(-1, Files.mismatch(one.files().get(f), many.files().get(f)),
                            format + " with " + threads + " threads: " + many.files().get(f));
                }
                assertEquals(one.stats().negativeScores().median(), many.stats().negativeScores().median());
            }
            assertEquals(700, one.stats().anchors());
        }
    }

    @Test
    void ivfSuperBlocksGiveTheSameBytesForAnyThreadCountAndResumeMidSuperBlock() throws IOException {
        Path index = dir.resolve("corpus.qivf");
        try (VectorStore corpus = VectorStore.open(catalog.resolve("corpus.qvec"))) {
            new IvfBuilder(VectorKernelsProvider.get()).build(corpus, new KMeansParams(16, 4, 64, 0, true, 42, 2),
                    index, null);
        }
        // nlist 16 at nprobe 8: a super-block holds 128 anchors per thread (64 per list and thread), so one,
        // two and three threads cut the run's 11 blocks of 64 into super-blocks of 2, 4 and 6 blocks.
        MiningReport one = run(builder(dir.resolve("ivf1.jsonl"), OutputFormat.N_TUPLE, 1, false, config(), null)
                .index(index, 8).build());
        for (int threads : new int[] {2, 3}) {
            MiningReport many = run(builder(dir.resolve("ivf" + threads + ".jsonl"), OutputFormat.N_TUPLE, threads,
                    false, config(), null).index(index, 8).build());
            assertEquals(-1, Files.mismatch(one.files().getFirst(), many.files().getFirst()), threads + " threads");
        }
        Path broken = dir.resolve("ivf-broken.jsonl");
        int[] seen = {0};
        assertThrows(RuntimeException.class, () -> run(builder(broken, OutputFormat.N_TUPLE, 3, false, config(),
                a -> {
                    if (++seen[0] == 330) { // block 5 of 11: inside the second super-block of three threads
                        throw new IllegalStateException("simulated crash");
                    }
                }).index(index, 8).build()));
        MiningReport resumed = run(builder(broken, OutputFormat.N_TUPLE, 2, true, config(), null).index(index, 8)
                .build());
        assertTrue(resumed.resumedFromBlock() > 0 && resumed.resumedFromBlock() % 4 != 0,
                "resumed inside a super-block of two threads: block " + resumed.resumedFromBlock());
        assertEquals(-1, Files.mismatch(one.files().getFirst(), broken));
    }

    @Test
    void aFailedRunResumesToTheSameBytes() throws IOException {
        Path whole = dir.resolve("whole.jsonl");
        run(request(whole, OutputFormat.TRIPLET, 2, false, config(), null));

        Path broken = dir.resolve("broken.jsonl");
        int[] seen = {0};
        RuntimeException crash = assertThrows(RuntimeException.class, () -> run(request(broken, OutputFormat.TRIPLET,
                2, false, config(), a -> {
                    if (++seen[0] == 400) {
                        throw new IllegalStateException("simulated crash");
                    }
                })));
        assertEquals("simulated crash", crash.getMessage());
        assertFalse(Files.exists(broken), "nothing under the final name");
        assertEquals(1, AtomicOutput.tempsOf(broken).size(), "the partial output is kept for --resume");
        assertTrue(Files.exists(Checkpoint.pathFor(broken)));

        MiningReport resumed = run(request(broken, OutputFormat.TRIPLET, 1, true, config(), null));
        assertTrue(resumed.resumedFromBlock() > 0);
        assertTrue(resumed.anchorsThisRun() < 700);
        assertEquals(700, resumed.stats().anchors(), "statistics carried over from the checkpoint");
        assertEquals(-1, Files.mismatch(whole, broken));
        assertFalse(Files.exists(Checkpoint.pathFor(broken)), "the checkpoint goes once the run completes");
        assertEquals(List.of(), AtomicOutput.tempsOf(broken));
    }

    @Test
    void resumeWithADifferentConfigurationIsRefusedAndSaysWhy() {
        Path out = dir.resolve("cfg.jsonl");
        int[] seen = {0};
        assertThrows(RuntimeException.class, () -> run(request(out, OutputFormat.TRIPLET, 1, false, config(), a -> {
            if (++seen[0] == 300) {
                throw new IllegalStateException("stop");
            }
        })));
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> run(request(out, OutputFormat.TRIPLET, 1, true, config().withNumNegatives(5), null)));
        assertTrue(e.getMessage().contains("configuration=different"), e.getMessage());
        assertTrue(e.getMessage().contains("num-negatives=4") && e.getMessage().contains("num-negatives=5"),
                e.getMessage());
        assertEquals(1, AtomicOutput.tempsOf(out).size(), "a refused resume keeps the partial output");
    }

    @Test
    void resumeWithOtherKernelsOrAnotherIdFileIsRefused() throws IOException {
        Path out = dir.resolve("k.jsonl");
        crashAfter(out, 300);
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> new MiningRunner(
                new ScalarVectorKernels()).run(request(out, OutputFormat.TRIPLET, 1, true, config(), null), null));
        assertTrue(e.getMessage().contains("kernels=scalar"), "scores would differ in their last bits: " + e.getMessage());

        Path copy = dir.resolve("catalog-copy");
        Files.createDirectories(copy);
        for (String name : new String[] {"corpus.qvec", "queries.qvec", "qrels.tsv", "corpus.qvec.ids",
                "queries.qvec.ids"}) {
            Files.copy(catalog.resolve(name), copy.resolve(name));
        }
        Path out2 = dir.resolve("ids.jsonl");
        MiningRequest.Builder builder = MiningRequest.builder(copy.resolve("corpus.qvec"), copy.resolve("qrels.tsv"),
                out2).queries(copy.resolve("queries.qvec")).config(config()).threads(1).blockSize(64)
                .checkpointIntervalNanos(0);
        stopAfter(builder, 300);
        List<String> ids = new ArrayList<>(Files.readAllLines(copy.resolve("corpus.qvec.ids")));
        Collections.reverse(ids);
        Files.write(copy.resolve("corpus.qvec.ids"), ids);
        e = assertThrows(QuarryDataException.class, () -> run(builder.listener(null).resume(true).build()));
        assertTrue(e.getMessage().contains("corpus-ids="), e.getMessage());
    }

    @Test
    void aRunThatDiedBetweenRenamingItsNpyFilesIsFinishedByResume() throws IOException {
        Path whole = dir.resolve("whole.npy");
        MiningReport complete = run(request(whole, OutputFormat.NPY, 2, false, config(), null));
        // The state a kill between two renames leaves: a final checkpoint, the first file published,
        // the other two still under their temp names.
        Path out = dir.resolve("died.npy");
        crashAfter(out, OutputFormat.NPY, 300);
        Checkpoint partial = Checkpoint.read(Checkpoint.pathFor(dir.resolve("died.ids.npy")), 4);
        List<Path> files = new MinedOutputFiles(out).files;
        long[] lengths = new long[3];
        for (int i = 0; i < 3; i++) {
            lengths[i] = Files.size(complete.files().get(i));
            Path temp = files.get(i).resolveSibling(partial.temps().get(i));
            Files.copy(complete.files().get(i), i == 0 ? files.get(i) : temp, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.delete(files.get(0).resolveSibling(partial.temps().get(0)));
        new Checkpoint(partial.fingerprint(), (700 + 63) / 64, lengths, partial.temps(), complete.stats())
                .write(Checkpoint.pathFor(files.get(0)));

        MiningReport resumed = run(request(out, OutputFormat.NPY, 1, true, config(), null));
        assertEquals(0, resumed.anchorsThisRun());
        for (int i = 0; i < 3; i++) {
            assertEquals(-1, Files.mismatch(complete.files().get(i), files.get(i)), files.get(i).toString());
            assertEquals(List.of(), AtomicOutput.tempsOf(files.get(i)));
        }
        assertFalse(Files.exists(Checkpoint.pathFor(files.get(0))));
    }

    /** The three npy files of an output path, as MinedOutput names them. */
    private record MinedOutputFiles(List<Path> files) {
        MinedOutputFiles(Path output) {
            this(new MinedOutput(output, new OutputOptions(OutputFormat.NPY, 4, false, false, false), null).files());
        }
    }

    /** Runs {@code builder}'s request until a listener fails after {@code anchors} anchors. */
    private static void stopAfter(MiningRequest.Builder builder, int anchors) {
        int[] seen = {0};
        assertThrows(RuntimeException.class, () -> run(builder.listener(a -> {
            if (++seen[0] == anchors) {
                throw new IllegalStateException("stop");
            }
        }).build()));
    }

    private void crashAfter(Path out, int anchors) {
        crashAfter(out, OutputFormat.TRIPLET, anchors);
    }

    private void crashAfter(Path out, OutputFormat format, int anchors) {
        int[] seen = {0};
        assertThrows(RuntimeException.class, () -> run(request(out, format, 1, false, config(), a -> {
            if (++seen[0] == anchors) {
                throw new IllegalStateException("stop");
            }
        })));
    }

    @Test
    void resumeAfterTheCorpusChangedWithTheSameSizeAndMtimeIsRefused() throws IOException {
        Path copy = Files.createDirectories(dir.resolve("changing"));
        for (String name : new String[] {"corpus.qvec", "queries.qvec", "qrels.tsv", "corpus.qvec.ids",
                "queries.qvec.ids"}) {
            Files.copy(catalog.resolve(name), copy.resolve(name));
        }
        Path corpus = copy.resolve("corpus.qvec");
        Path out = dir.resolve("changing.jsonl");
        MiningRequest.Builder builder = MiningRequest.builder(corpus, copy.resolve("qrels.tsv"), out)
                .queries(copy.resolve("queries.qvec")).config(config()).threads(1).blockSize(64)
                .checkpointIntervalNanos(0);
        stopAfter(builder, 300);
        // The same rows in another order: same size; the mtime is put back as it was.
        float[][] rows;
        try (VectorStore store = VectorStore.open(corpus)) {
            rows = new float[(int) store.count()][store.dim()];
            for (int r = 0; r < rows.length; r++) {
                store.copyRow(rows.length - 1 - r, rows[r]);
            }
        }
        Path reversed = TestFiles.qvec(dir.resolve("reversed.qvec"), rows, true);
        FileTime mtime = Files.getLastModifiedTime(corpus);
        assertEquals(Files.size(corpus), Files.size(reversed));
        Files.write(corpus, Files.readAllBytes(reversed));
        Files.setLastModifiedTime(corpus, mtime);
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> run(builder.listener(null).resume(true).build()));
        assertTrue(e.getMessage().contains("configuration=different") && e.getMessage().contains("corpus="),
                e.getMessage());
        assertTrue(e.getMessage().contains("run without --resume to start over"), e.getMessage());
    }

    @Test
    void resumeWithoutACheckpointSaysSo() {
        Path out = dir.resolve("none.jsonl");
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> run(request(out, OutputFormat.TRIPLET, 1, true, config(), null)));
        assertTrue(e.getMessage().startsWith(Checkpoint.pathFor(out) + ": checkpoint=missing"), e.getMessage());
    }
}
