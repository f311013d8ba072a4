package dev.quarry.serve;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission of mine calls: {@code running} at once, {@code waiting} more queued for a slot, the rest
 * refused at once (the caller answers 503 with Retry-After). Decided before the body is read, so a
 * flood of requests costs no memory beyond the bounded queue. A draining service admits nothing new.
 */
final class Admission {
    /** How long a queued call waits for a slot before it is refused (the client retries). */
    private static final long MAX_WAIT_MS = 5_000;

    private final Semaphore slots;
    private final int maxWaiting;
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean draining;

    Admission(int running, int waiting) {
        this.slots = new Semaphore(running, true);
        this.maxWaiting = waiting;
    }

    /** A slot for one call, or null: the queue is full, the wait timed out, or the service is draining. */
    Ticket enter() throws InterruptedException {
        if (draining) {
            return null;
        }
        if (!slots.tryAcquire()) {
            if (waiting.incrementAndGet() > maxWaiting) {
                waiting.decrementAndGet();
                return null;
            }
            try {
                if (!slots.tryAcquire(MAX_WAIT_MS, TimeUnit.MILLISECONDS)) {
                    return null;
                }
            } finally {
                waiting.decrementAndGet();
            }
        }
        running.incrementAndGet();
        return new Ticket();
    }

    /** Calls waiting for a slot now. */
    int waiting() {
        return waiting.get();
    }

    /** Calls running now. */
    int running() {
        return running.get();
    }

    /** Admits nothing from now on; calls admitted before finish. */
    void drain() {
        draining = true;
    }

    boolean draining() {
        return draining;
    }

    /** One admitted call's slot; closing it frees the slot (once). */
    final class Ticket implements AutoCloseable {
        private boolean closed;

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                running.decrementAndGet();
                slots.release();
            }
        }
    }
}
