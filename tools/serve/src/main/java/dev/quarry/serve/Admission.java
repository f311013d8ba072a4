package dev.quarry.serve;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission of mine calls, in two steps. A call first takes a waiting place ({@link #admit}: at most
 * {@code waiting} at once, refused at once past that), in which it reads and decodes its body, holding
 * its bytes against a budget shared by every call ({@link Ticket#reserve}); only then does it wait for
 * one of the {@code running} slots ({@link Ticket#awaitSlot}, 5 s at most). So a client that stalls
 * mid-upload costs a waiting place, never a running slot, and the bodies held at once never exceed
 * the budget, whatever clients send. A draining service admits nothing new. Thread-safe.
 */
final class Admission {
    /** How long a decoded call waits for a running slot before it is refused (the client retries). */
    private static final long MAX_WAIT_MS = 5_000;

    private final Semaphore slots;
    private final Semaphore places;
    private final BodyBudget budget;
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean draining;

    /**
     * @param running calls that mine at once
     * @param waiting calls that may read their body or wait for a running slot at once
     * @param bodyBytes bytes of request bodies held at once
     */
    Admission(int running, int waiting, long bodyBytes) {
        this.slots = new Semaphore(running, true);
        this.places = new Semaphore(waiting + running);
        this.budget = new BodyBudget(bodyBytes);
    }

    /** A waiting place for one call, or null: every place is taken, or the service is draining. */
    Ticket admit() {
        if (draining || !places.tryAcquire()) {
            return null;
        }
        waiting.incrementAndGet();
        return new Ticket();
    }

    /** {@link #admit} then {@link Ticket#awaitSlot}: a running call's ticket, or null. */
    Ticket enter() throws InterruptedException {
        Ticket ticket = admit();
        if (ticket != null && !ticket.awaitSlot()) {
            ticket.close();
            return null;
        }
        return ticket;
    }

    /** Calls holding a waiting place now (reading their body or waiting for a slot). */
    int waiting() {
        return waiting.get();
    }

    /** Calls running now. */
    int running() {
        return running.get();
    }

    /** Bytes of request bodies held now. */
    long bodyBytes() {
        return budget.held();
    }

    /** Admits nothing from now on; calls admitted before finish. */
    void drain() {
        draining = true;
    }

    boolean draining() {
        return draining;
    }

    /** One admitted call: its place, then its running slot, and the body bytes it holds; closing frees all (once). */
    final class Ticket implements AutoCloseable {
        private boolean closed;
        private boolean runningSlot;
        private long reserved;

        /** Holds {@code bytes} more of the body budget; false when the budget has not that much left. */
        boolean reserve(long bytes) {
            if (!budget.tryTake(bytes)) {
                return false;
            }
            reserved += bytes;
            return true;
        }

        /** Waits (5 s at most) for a running slot; false when none came or the service began draining. */
        boolean awaitSlot() throws InterruptedException {
            if (runningSlot) {
                return true;
            }
            if (!slots.tryAcquire() && (draining || !slots.tryAcquire(MAX_WAIT_MS, TimeUnit.MILLISECONDS))) {
                return false;
            }
            runningSlot = true;
            waiting.decrementAndGet();
            running.incrementAndGet();
            return true;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            budget.give(reserved);
            if (runningSlot) {
                running.decrementAndGet();
                slots.release();
            } else {
                waiting.decrementAndGet();
            }
            places.release();
        }
    }
}
