package dev.quarry.serve;

import java.time.Duration;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The requests being answered now, as parties of a {@link Phaser}: each request registers when it
 * enters and deregisters when it leaves, and the server holds one party of its own. A drain lets go of
 * that party and waits for the phase to advance, which happens the moment the last request leaves:
 * no polling. Thread-safe.
 */
final class InFlight {
    private final Phaser phaser = new Phaser(1);

    /** A request enters; false once the drain is over (then it must not {@link #leave}). */
    boolean enter() {
        return phaser.register() >= 0;
    }

    /** A request that entered leaves. */
    void leave() {
        phaser.arriveAndDeregister();
    }

    /** Requests being answered now. */
    int count() {
        return phaser.isTerminated() ? 0 : Math.max(0, phaser.getUnarrivedParties() - (draining ? 0 : 1));
    }

    private volatile boolean draining;

    /**
     * Waits until every request that entered has left, at most {@code grace}; returns whether they all
     * did. Called once, when the server stops.
     */
    boolean awaitDrained(Duration grace) throws InterruptedException {
        draining = true;
        int phase = phaser.arriveAndDeregister();
        try {
            phaser.awaitAdvanceInterruptibly(phase, grace.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }
}
