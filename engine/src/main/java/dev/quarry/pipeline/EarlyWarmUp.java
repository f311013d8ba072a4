package dev.quarry.pipeline;

import dev.quarry.vector.VectorKernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernels' warm-up begun on a thread of its own while the run opens its inputs, for a run whose
 * labels are big enough that it will warm up anyway. Reading a million qrels and their ids takes the
 * main thread two or three seconds and the warm-up (the JIT compiling the SIMD kernels) about one more:
 * one after the other they left the second core idle before mining began. The kernels give every score
 * the same bits before and after the warm-up ({@link dev.quarry.vector.ColdStartKernels}), so when it
 * ends does not change what a run mines.
 */
final class EarlyWarmUp implements AutoCloseable {
    /**
     * Qrels at least this big (about 15,000 lines) mean a run the warm-up pays for whatever the index:
     * {@code MiningRunner} decides that from the run's flops once its inputs are open.
     */
    static final long QRELS_BYTES = 256 * 1024;

    private final Thread thread;
    private volatile Throwable failure;

    private EarlyWarmUp(VectorKernels kernels) {
        thread = Thread.ofPlatform().name("quarry-warm-up").daemon().unstarted(() -> {
            try {
                kernels.warmUp();
            } catch (RuntimeException | Error e) {
                failure = e;
            }
        });
        thread.start();
    }

    /** Starts the warm-up when {@code qrels} is a file of at least {@link #QRELS_BYTES}; null otherwise. */
    static EarlyWarmUp startFor(VectorKernels kernels, Path qrels) {
        if (qrels == null || !Files.isRegularFile(qrels)) {
            return null;
        }
        try {
            return Files.size(qrels) >= QRELS_BYTES ? new EarlyWarmUp(kernels) : null;
        } catch (IOException e) {
            return null; // the inputs' own checks report an unreadable file
        }
    }

    /** Waits for the warm-up to end; its failure, if any, is thrown here. */
    void await() {
        join();
        Throwable e = failure;
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error r) {
            throw r;
        }
    }

    /** Waits for the warm-up, so no thread of the run outlives it. */
    @Override
    public void close() {
        join();
    }

    private void join() {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
