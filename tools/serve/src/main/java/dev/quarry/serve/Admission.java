package dev.quarry.serve;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission of mine calls, in two steps. A call first takes a waiting place ({@link #admit}: at most
 * {@code waiting} at once, refused at once past that), in which it reads and decodes its body, holding
 * its bytes against a budget shared by every call ({@link Ticket#reserve}); only then does it wait for
 * one of the {@code running} slots ({@link Ticket#awaitSlot}, 5 s at most). So a client that stalls
 * mid-upload costs a waiting place, never a running slot, and the bodies held at once never exceed
 * the budget, whatever clients send. A running call mines on its request's virtual thread while that leaves
 * a carrier of the virtual-thread scheduler free ({@link CarrierShare}: mining is CPU-bound and never parks, so
 * it holds its carrier for as long as it mines, and with every carrier held nobody else would be answered, not
 * even the 503 of a call beyond the places), else on one of {@code running} platform threads of its own
 * ({@link Ticket#run}), where the OS shares the cores between mining and answering. A draining service admits
 * nothing new. Thread-safe.
 */
final class Admission {
    /** How long a decoded call waits for a running slot before it is refused (the client retries). */
    private static final long MAX_WAIT_MS = 5_000;

    private final Semaphore slots;
    private final Semaphore places;
    private final BodyBudget budget;
    private final ThreadPoolExecutor miners;
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
        // As many threads as running slots (started when first needed, ended after a minute idle): the slots
        // bound the calls that mine, the pool's size bounds the threads even when a call left its slot early.
        this.miners = new ThreadPoolExecutor(running, running, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Thread.ofPlatform().name("quarry-mine-", 1).daemon().factory());
        miners.allowCoreThreadTimeOut(true);
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

    /** Ends the mining threads once the calls given to them are done (the server has stopped). */
    void close() {
        miners.shutdown();
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

        /**
         * Runs {@code work} (the call's mining) and waits for it; what it throws is thrown here. The call must hold
         * its running slot ({@link #awaitSlot}). It runs on the calling thread when that leaves a carrier of the
         * virtual-thread scheduler free for everyone else ({@link CarrierShare}), else on a mining thread.
         */
        <T> T run(Callable<T> work) throws InterruptedException {
            if (!runningSlot) {
                throw new IllegalStateException("mining without a running slot");
            }
            if (CarrierShare.tryTake()) {
                try {
                    return work.call();
                } catch (RuntimeException | InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    CarrierShare.release();
                }
            }
            Future<T> result = miners.submit(work);
            try {
                return result.get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error error) {
                    throw error;
                }
                throw new IllegalStateException(cause);
            }
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
