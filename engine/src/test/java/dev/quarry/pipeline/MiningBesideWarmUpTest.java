package dev.quarry.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import dev.quarry.vector.ColdStartKernels;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run big enough to warm the kernels up, with labels big enough to begin the warm-up while its inputs open,
 * mines beside the warm-up with kernels that give the same bits before it ends, instead of waiting for it.
 */
class MiningBesideWarmUpTest {
    @TempDir
    static Path catalog;

    @TempDir
    Path dir;

    /** 20,000 rows of 64 dimensions searched exactly for 1,000 anchors: 2.56 GFLOP, above the warm-up's line. */
    @BeforeAll
    static void writeCatalog() throws IOException {
        new SyntheticCatalog(new CatalogSpec(20_000, 1_000, 64, 40, 0.5, 3, 0.05, 7)).write(catalog);
        // Comment lines make the qrels big enough for the warm-up to begin while the inputs open.
        String comment = "#" + "x".repeat(1023) + "\n";
        Files.writeString(catalog.resolve("qrels.tsv"), comment.repeat((int) (EarlyWarmUp.QRELS_BYTES / 1024)),
                StandardOpenOption.APPEND);
    }

    private MiningRequest request(String name) {
        return MiningRequest.builder(catalog.resolve("corpus.qvec"), catalog.resolve("qrels.tsv"), dir.resolve(name))
                .queries(catalog.resolve("queries.qvec")).config(MiningConfig.defaults().withNumNegatives(4))
                .outputOptions(new OutputOptions(OutputFormat.NPY, 4, true, false, false))
                .threads(2).blockSize(64).checkpointIntervalNanos(0).build();
    }

    /** The SIMD kernels, whose warm-up never ends until interrupted; it records that it was started and stopped. */
    private static VectorKernels neverSettling(CountDownLatch started, AtomicBoolean interrupted) {
        VectorKernels simd = VectorKernelsProvider.get();
        return (VectorKernels) Proxy.newProxyInstance(VectorKernels.class.getClassLoader(),
                new Class<?>[] {VectorKernels.class}, (proxy, method, args) -> {
                    if (method.getName().equals("warmUp")) {
                        started.countDown();
                        try {
                            new CountDownLatch(1).await();
                        } catch (InterruptedException e) {
                            interrupted.set(true);
                            Thread.currentThread().interrupt();
                        }
                        return null;
                    }
                    try {
                        return method.invoke(simd, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aRunMinesBesideAWarmUpThatHasNotEndedAndStopsItWhenDone() throws IOException {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        ColdStartKernels cold = new ColdStartKernels(neverSettling(started, interrupted));
        // Waiting for the warm-up, as the run did before, would never return.
        MiningReport beside = assertTimeoutPreemptively(Duration.ofMinutes(5),
                () -> new MiningRunner(cold).run(request("beside.npy"), null));
        assertEquals(0, started.getCount(), "the warm-up began");
        assertTrue(interrupted.get(), "the run stopped its warm-up when it ended");
        assertFalse(cold.warm(), "every call took the plain loops");

        // The same bits as the SIMD kernels warmed up first.
        VectorKernels simd = VectorKernelsProvider.get();
        simd.warmUp();
        MiningReport warm = new MiningRunner(simd).run(request("warm.npy"), null);
        assertEquals(warm.files().size(), beside.files().size());
        for (int f = 0; f < beside.files().size(); f++) {
            assertEquals(-1, Files.mismatch(beside.files().get(f), warm.files().get(f)), beside.files().get(f).toString());
        }
        assertEquals(1_000, beside.stats().anchors());
    }
}
