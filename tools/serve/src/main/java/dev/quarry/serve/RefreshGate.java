package dev.quarry.serve;

import java.util.function.LongSupplier;

/**
 * Where a held-out evaluation gives way to refreshes: from a refresh's start ({@link #refreshStarted}) to its end
 * ({@link #refreshEnded}) every scanning thread of the evaluation that reaches {@link #giveWay} (before its next
 * block of rows) waits, and all resume when no refresh runs. The refresh only sets a flag and never waits here.
 *
 * <p>The pause it reports ({@link #pausedNanos}) is wall time: the time during which at least one scanning
 * thread was paused. An evaluation searching on several threads pauses each of them for the same refresh, and
 * the sum of their waits would count that refresh once per thread.
 */
final class RefreshGate {
    private final LongSupplier clock;
    /** Guards the counts; a paused thread waits on it. */
    private final Object lock = new Object();
    private int refreshesRunning;
    /** Whether a refresh runs: read before every block of rows an evaluation scans, so only a flag. */
    private volatile boolean refreshRunning;
    private boolean stopping;
    /** Scanning threads paused now (written under {@link #lock}). */
    private volatile int pausedThreads;
    /** When the first of the threads paused now paused. */
    private long pauseStart;
    /** Wall time with at least one thread paused, since {@link #resetPaused}. */
    private long pausedNanos;
    /** For tests: told when a thread pauses. */
    volatile Runnable onPause = () -> { };

    /** A gate timed by {@link System#nanoTime}. */
    RefreshGate() {
        this(System::nanoTime);
    }

    /** A gate timed by {@code clock} (nanoseconds): tests give it their own. */
    RefreshGate(LongSupplier clock) {
        this.clock = clock;
    }

    /** A refresh starts: threads reaching {@link #giveWay} wait from now on until it ends. Never waits. */
    void refreshStarted() {
        synchronized (lock) {
            refreshesRunning++;
            refreshRunning = true;
        }
    }

    /** A refresh is done (served, or failed): paused threads resume once no refresh runs. */
    void refreshEnded() {
        synchronized (lock) {
            refreshesRunning = Math.max(0, refreshesRunning - 1);
            refreshRunning = refreshesRunning > 0;
            lock.notifyAll();
        }
    }

    /** The server stops: no thread waits here any more, now or later. */
    void stop() {
        synchronized (lock) {
            stopping = true;
            lock.notifyAll();
        }
    }

    /**
     * Before a block of rows: returns at once when no refresh runs, else waits until none does (or the server
     * stops).
     *
     * @throws IllegalStateException when the waiting thread is interrupted (the server is stopping)
     */
    void giveWay() {
        if (!refreshRunning) {
            return;
        }
        synchronized (lock) {
            if (refreshesRunning == 0 || stopping) {
                return;
            }
            if (pausedThreads == 0) {
                pauseStart = clock.getAsLong();
            }
            pausedThreads++;
            try {
                onPause.run();
                while (refreshesRunning > 0 && !stopping) {
                    lock.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("held-out evaluation interrupted (the server is stopping)", e);
            } finally {
                pausedThreads--;
                if (pausedThreads == 0) {
                    pausedNanos += clock.getAsLong() - pauseStart;
                }
            }
        }
    }

    /** Whether a thread waits here now. */
    boolean paused() {
        return pausedThreads > 0;
    }

    /** Threads waiting here now. */
    int pausedThreads() {
        return pausedThreads;
    }

    /** Starts counting the pause anew (an evaluation starts). */
    void resetPaused() {
        synchronized (lock) {
            pausedNanos = 0;
        }
    }

    /** Wall time with at least one thread paused since {@link #resetPaused}, in nanoseconds. */
    long pausedNanos() {
        synchronized (lock) {
            return pausedNanos;
        }
    }
}
