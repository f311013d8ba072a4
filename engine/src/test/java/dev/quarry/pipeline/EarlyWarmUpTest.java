package dev.quarry.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.vector.ColdStartKernels;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EarlyWarmUpTest {
    @TempDir
    Path dir;

    /** Kernels whose warm-up records the thread it ran on and how often, or throws {@code failure}. */
    private static VectorKernels recording(AtomicReference<Thread> thread, AtomicInteger calls, RuntimeException failure) {
        return (VectorKernels) Proxy.newProxyInstance(VectorKernels.class.getClassLoader(),
                new Class<?>[] {VectorKernels.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("warmUp")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    thread.set(Thread.currentThread());
                    calls.incrementAndGet();
                    if (failure != null) {
                        throw failure;
                    }
                    return null;
                });
    }

    private Path qrels(long bytes) throws IOException {
        Path file = dir.resolve("qrels-" + bytes + ".tsv");
        Files.write(file, new byte[(int) bytes]);
        return file;
    }

    @Test
    void bigQrelsWarmTheKernelsOnAnotherThreadOnce() throws IOException {
        AtomicReference<Thread> thread = new AtomicReference<>();
        AtomicInteger calls = new AtomicInteger();
        try (EarlyWarmUp early = EarlyWarmUp.startFor(recording(thread, calls, null), qrels(EarlyWarmUp.QRELS_BYTES))) {
            assertNotNull(early);
            early.await();
            assertEquals(1, calls.get());
            assertNotEquals(Thread.currentThread(), thread.get());
        }
    }

    @Test
    void smallOrMissingQrelsStartNothing() throws IOException {
        AtomicReference<Thread> thread = new AtomicReference<>();
        AtomicInteger calls = new AtomicInteger();
        VectorKernels kernels = recording(thread, calls, null);
        assertNull(EarlyWarmUp.startFor(kernels, qrels(EarlyWarmUp.QRELS_BYTES - 1)));
        assertNull(EarlyWarmUp.startFor(kernels, dir.resolve("absent.tsv")));
        assertNull(EarlyWarmUp.startFor(kernels, dir));
        assertNull(EarlyWarmUp.startFor(kernels, null));
        assertEquals(0, calls.get());
    }

    @Test
    void aFailedWarmUpIsThrownWhenAwaited() throws IOException {
        IllegalStateException failure = new IllegalStateException("no compiler");
        try (EarlyWarmUp early = EarlyWarmUp.startFor(recording(new AtomicReference<>(), new AtomicInteger(), failure),
                qrels(EarlyWarmUp.QRELS_BYTES))) {
            assertSame(failure, assertThrows(IllegalStateException.class, early::await));
        }
    }

    @Test
    void coldStartKernelsAreWarmOnceAwaited() throws IOException {
        ColdStartKernels kernels = new ColdStartKernels(VectorKernelsProvider.get());
        try (EarlyWarmUp early = EarlyWarmUp.startFor(kernels, qrels(2 * EarlyWarmUp.QRELS_BYTES))) {
            early.await();
            assertTrue(kernels.warm());
        }
    }
}
