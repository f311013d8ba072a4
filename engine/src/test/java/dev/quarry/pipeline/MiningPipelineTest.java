package dev.quarry.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.io.AtomicOutput;
import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.SamplingStrategy;
import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
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
        return MiningRequest.builder(catalog.resolve("corpus.qvec"), catalog.resolve("qrels.tsv"), output)
                .queries(catalog.resolve("queries.qvec"))
                .texts(catalog.resolve("corpus.jsonl"), catalog.resolve("queries.jsonl")).config(config)
                .outputOptions(new OutputOptions(format, config.numNegatives(), true, format != OutputFormat.NPY, false))
                .threads(threads).blockSize(64).resume(resume).checkpointIntervalNanos(0).listener(listener).build();
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
        assertTrue(Files.exists(AtomicOutput.tempOf(broken)), "the partial output is kept for --resume");
        assertTrue(Files.exists(Checkpoint.pathFor(broken)));

        MiningReport resumed = run(request(broken, OutputFormat.TRIPLET, 1, true, config(), null));
        assertTrue(resumed.resumedFromBlock() > 0);
        assertTrue(resumed.anchorsThisRun() < 700);
        assertEquals(700, resumed.stats().anchors(), "statistics carried over from the checkpoint");
        assertEquals(-1, Files.mismatch(whole, broken));
        assertFalse(Files.exists(Checkpoint.pathFor(broken)), "the checkpoint goes once the run completes");
        assertFalse(Files.exists(AtomicOutput.tempOf(broken)));
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
        assertTrue(Files.exists(AtomicOutput.tempOf(out)), "a refused resume keeps the partial output");
    }

    @Test
    void resumeWithoutACheckpointSaysSo() {
        Path out = dir.resolve("none.jsonl");
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> run(request(out, OutputFormat.TRIPLET, 1, true, config(), null)));
        assertTrue(e.getMessage().startsWith(Checkpoint.pathFor(out) + ": checkpoint=missing"), e.getMessage());
    }
}
