package dev.quarry.serve;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The reads of request bodies under way, each checked against its deadline by one daemon thread that looks at
 * them every tick (10 ms) while reads come in. Starting and ending a read is an add to and a remove from a
 * concurrent set: no thread is woken for it. A timer task per read (as before) was queued at the head of an empty
 * timer queue on every call of a trainer's loop, which wakes the timer's thread: 47 us of a 64-anchor call at the
 * median on 2 busy cores (5 us now), for a check that almost never fires. The cost is a deadline enforced up to one
 * tick late, and a wake-up of the watching thread every tick while calls come in; after a linger (5 s) without a
 * new read it parks until the next one. Thread-safe.
 */
final class BodyWatch {
    /** How often reads under way are checked: a cut-off comes at most this late. */
    static final long TICK_NANOS = 10_000_000L;
    /** How long the watching thread keeps ticking after the last read began, before it parks. */
    static final long LINGER_NANOS = 5_000_000_000L;

    private final long tickNanos;
    private final long lingerNanos;

    /** A read being watched. */
    interface Read {
        /** Cuts the read off if it is past its deadline at {@code now} ({@link System#nanoTime}). */
        void check(long now);
    }

    private final Set<Read> reads = ConcurrentHashMap.newKeySet();
    private final Thread watcher;
    private volatile long lastStart = System.nanoTime();
    private volatile boolean parked;

    /** A watch whose thread, named {@code name}, checks every {@code tickNanos} and parks after {@code lingerNanos}. */
    BodyWatch(String name, long tickNanos, long lingerNanos) {
        this.tickNanos = tickNanos;
        this.lingerNanos = lingerNanos;
        watcher = Thread.ofPlatform().name(name).daemon().start(this::watch);
    }

    /** Whether the watching thread is parked, waiting for a read to start (for tests in this package). */
    boolean parked() {
        return parked;
    }

    /** Watches {@code read} until {@link #remove}. */
    void add(Read read) {
        reads.add(read);
        lastStart = System.nanoTime();
        if (parked) {
            LockSupport.unpark(watcher); // only after a linger without reads
        }
    }

    /** Stops watching {@code read}: the watcher holds nothing of a read that ended. */
    void remove(Read read) {
        reads.remove(read);
    }

    /** Reads watched now. */
    int size() {
        return reads.size();
    }

    private void watch() {
        while (true) {
            long now = System.nanoTime();
            for (Read read : reads) {
                read.check(now);
            }
            if (reads.isEmpty() && now - lastStart > lingerNanos) {
                parked = true;
                // Checked again once parked is published: an add either saw it (and unparks), or is seen here.
                if (reads.isEmpty()) {
                    LockSupport.park(this);
                }
                parked = false;
            } else {
                LockSupport.parkNanos(this, tickNanos);
            }
        }
    }
}
