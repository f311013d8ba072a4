package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The gate a held-out evaluation waits at while a refresh runs, and the pause it reports: wall time. */
class RefreshGateTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void twoThreadsPausedForOneRefreshCountItsTimeOnceNotTwice() throws Exception {
        AtomicLong clock = new AtomicLong(100 * SECOND);
        RefreshGate gate = new RefreshGate(clock::get);
        CountDownLatch bothPaused = new CountDownLatch(2);
        gate.onPause = bothPaused::countDown;
        gate.refreshStarted();
        Thread[] scanners = new Thread[2];
        for (int t = 0; t < 2; t++) {
            scanners[t] = new Thread(gate::giveWay, "scanner-" + t);
            scanners[t].start();
        }
        assertTrue(bothPaused.await(60, TimeUnit.SECONDS), "the scanning threads never paused");
        assertEquals(2, gate.pausedThreads());
        assertTrue(gate.paused());
        clock.addAndGet(7 * SECOND); // the refresh runs 7 s
        gate.refreshEnded();
        for (Thread t : scanners) {
            t.join(60_000);
            assertFalse(t.isAlive(), t.getName() + " still paused after the refresh ended");
        }
        assertFalse(gate.paused());
        assertEquals(7 * SECOND, gate.pausedNanos(), "7 s of wall time with both threads paused, not 14 s");
    }

    @Test
    void pausesForTwoRefreshesAddUpAndAResetStartsAnew() throws Exception {
        AtomicLong clock = new AtomicLong();
        RefreshGate gate = new RefreshGate(clock::get);
        for (long seconds : new long[] {3, 5}) {
            CountDownLatch paused = new CountDownLatch(1);
            gate.onPause = paused::countDown;
            gate.refreshStarted();
            Thread scanner = new Thread(gate::giveWay);
            scanner.start();
            assertTrue(paused.await(60, TimeUnit.SECONDS));
            clock.addAndGet(seconds * SECOND);
            gate.refreshEnded();
            scanner.join(60_000);
            assertFalse(scanner.isAlive());
            clock.addAndGet(SECOND); // scanning between refreshes is not a pause
        }
        assertEquals(8 * SECOND, gate.pausedNanos());
        gate.resetPaused();
        assertEquals(0, gate.pausedNanos());
    }

    @Test
    void noRefreshNoWaitAndAStoppedGateLetsAPausedThreadGo() throws Exception {
        RefreshGate gate = new RefreshGate(() -> 0);
        gate.giveWay(); // no refresh runs: returns at once
        assertEquals(0, gate.pausedNanos());
        CountDownLatch paused = new CountDownLatch(1);
        gate.onPause = paused::countDown;
        gate.refreshStarted();
        Thread scanner = new Thread(gate::giveWay);
        scanner.start();
        assertTrue(paused.await(60, TimeUnit.SECONDS));
        gate.stop(); // the server stops while the refresh still runs
        scanner.join(60_000);
        assertFalse(scanner.isAlive(), "a stopped gate holds no thread");
        gate.giveWay(); // and holds none later either
    }
}
