package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BodyWatchTest {
    private static final long TICK = TimeUnit.MILLISECONDS.toNanos(2);

    @Test
    void aWatchedReadIsCheckedEveryTickWithTheTimeOfTheCheck() throws InterruptedException {
        BodyWatch watch = new BodyWatch("test-watch", TICK, TimeUnit.SECONDS.toNanos(5));
        CountDownLatch checked = new CountDownLatch(3);
        long added = System.nanoTime();
        long[] last = new long[1];
        watch.add(now -> {
            last[0] = now;
            checked.countDown();
        });
        assertTrue(checked.await(10, TimeUnit.SECONDS), "checked three times within 10 s at a 2 ms tick");
        assertTrue(last[0] >= added, "the check is given the time it runs at");
        assertEquals(1, watch.size());
    }

    @Test
    void aRemovedReadIsNotCheckedAgainNorHeld() throws InterruptedException {
        BodyWatch watch = new BodyWatch("test-watch", TICK, TimeUnit.SECONDS.toNanos(5));
        AtomicInteger checks = new AtomicInteger();
        BodyWatch.Read read = now -> checks.incrementAndGet();
        watch.add(read);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (checks.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        watch.remove(read);
        assertEquals(0, watch.size());
        // A probe read counts the watcher's passes: a pass that began before the removal may still check the
        // removed read, and it ends before the next pass begins (one thread), so once the probe has been checked
        // twice every later pass starts without the removed read.
        AtomicInteger passes = new AtomicInteger();
        watch.add(now -> passes.incrementAndGet());
        awaitAtLeast(passes, 2);
        int after = checks.get();
        awaitAtLeast(passes, 2 + 25);
        assertEquals(after, checks.get(), "checks of a removed read over 25 passes");
    }

    private static void awaitAtLeast(AtomicInteger count, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (count.get() < n && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertTrue(count.get() >= n, "the watcher made " + count.get() + " passes within 10 s, expected " + n);
    }

    @Test
    void theWatcherParksAfterItsLingerAndTheNextReadWakesIt() throws InterruptedException {
        BodyWatch watch = new BodyWatch("test-watch", TICK, TimeUnit.MILLISECONDS.toNanos(20));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!watch.parked() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertTrue(watch.parked(), "parked after 20 ms without reads");
        CountDownLatch checked = new CountDownLatch(1);
        watch.add(now -> checked.countDown());
        assertTrue(checked.await(10, TimeUnit.SECONDS), "a read that starts while the watcher is parked is checked");
    }
}
