package dev.quarry.bench.peers;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of worker threads that share out the queries of one pass: each worker takes the next
 * chunk of queries from a shared counter until none is left, so a slow query does not leave the other
 * threads idle. The threads live as long as this object, so a timed pass does not pay for starting
 * them. One pass at a time.
 */
public final class QueryThreads implements AutoCloseable {
    /** The work of one worker on queries {@code [from, to)}; {@code worker} indexes per-thread state. */
    @FunctionalInterface
    public interface ChunkTask {
        void run(int worker, int from, int to);
    }

    private final int threads;
    private final ExecutorService pool;

    /** {@code threads} workers (at least one). */
    public QueryThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads=" + threads + ", expected >= 1");
        }
        this.threads = threads;
        this.pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("peer-", 0).daemon().factory());
    }

    /** Number of workers. */
    public int threads() {
        return threads;
    }

    /** Runs {@code task} over {@code [0, count)} in chunks of {@code chunk} on every worker, and waits. */
    public void run(int count, int chunk, ChunkTask task) {
        if (chunk < 1) {
            throw new IllegalArgumentException("chunk=" + chunk + ", expected >= 1");
        }
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> running = new ArrayList<>(threads);
        for (int t = 0; t < threads; t++) {
            int worker = t;
            running.add(pool.submit(() -> {
                for (int from = next.getAndAdd(chunk); from < count; from = next.getAndAdd(chunk)) {
                    task.run(worker, from, Math.min(count, from + chunk));
                }
            }));
        }
        RuntimeException failure = null;
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while searching", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                RuntimeException wrapped = cause instanceof RuntimeException re ? re
                        : new IllegalStateException("a search thread failed", cause);
                if (failure == null) {
                    failure = wrapped;
                } else {
                    failure.addSuppressed(wrapped);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
