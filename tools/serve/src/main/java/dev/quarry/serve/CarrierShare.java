package dev.quarry.serve;

import java.util.concurrent.Semaphore;

/**
 * How many carriers of the virtual-thread scheduler mine calls may hold at once, process-wide: one fewer than
 * there are carriers (its parallelism, by default the cores), so at least one carrier is always left to read
 * requests and answer refusals, however many calls mine. A call that gets a share mines on its request's own
 * virtual thread, which then keeps its carrier for as long as it mines (mining is CPU-bound and never parks);
 * one that does not is handed to a mining thread of its own ({@link Admission.Ticket#run}). Mining where the
 * request already runs saves two thread wake-ups a call (the mining thread's, then the carrier's when the
 * answer comes back). The carriers are the process's, shared by every listener (the warm-up's too), so the
 * shares are too. Thread-safe.
 */
final class CarrierShare {
    /** Carriers of the virtual-thread scheduler: the JDK reads this property once, at its first virtual thread. */
    static final int CARRIERS = Math.max(1, Integer.getInteger("jdk.virtualThreadScheduler.parallelism",
            Runtime.getRuntime().availableProcessors()));

    private static final Semaphore SHARES = new Semaphore(CARRIERS - 1);

    private CarrierShare() {
    }

    /**
     * Whether the calling thread may mine where it is, taking a share when it is virtual (give it back with
     * {@link #release}); a platform thread holds no carrier and always may, taking nothing.
     */
    static boolean tryTake() {
        return !Thread.currentThread().isVirtual() || SHARES.tryAcquire();
    }

    /** Gives back the share {@link #tryTake} took on this (virtual) thread. */
    static void release() {
        if (Thread.currentThread().isVirtual()) {
            SHARES.release();
        }
    }

    /** Shares free now (for tests in this package). */
    static int available() {
        return SHARES.availablePermits();
    }
}
