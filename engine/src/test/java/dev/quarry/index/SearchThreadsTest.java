package dev.quarry.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A search split across threads fails as a whole: the failure reaches the caller, and no part outlives the call. */
class SearchThreadsTest {

    /** Parts of a search still running on the shared pool (the name is the search's, for the message). */
    private static long alive(String name) {
        return SearchThreads.busyWorkers();
    }

    @Test
    void partsRunOnTheSharedPoolWhoseThreadsAreStartedOnce() {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        for (int call = 0; call < 50; call++) {
            SearchThreads.run("test-pool", 3, i -> threads.add(Thread.currentThread().getName()));
        }
        long poolThreads = threads.stream().filter(t -> t.startsWith("quarry-search-")).count();
        assertTrue(poolThreads >= 1 && poolThreads <= Runtime.getRuntime().availableProcessors(),
                "50 calls, a handful of pool threads: " + threads);
    }

    @Test
    void aPartThatSplitsAgainRunsItsPartsOnItsOwnThread() {
        Set<Integer> ran = ConcurrentHashMap.newKeySet();
        SearchThreads.run("test-outer", 2, outer -> SearchThreads.run("test-inner", 3, inner ->
                assertTrue(ran.add(outer * 10 + inner))));
        assertEquals(Set.of(0, 1, 2, 10, 11, 12), ran, "no deadlock, every inner part once");
    }

    @Test
    void runsEveryPartOnce() {
        Set<Integer> ran = ConcurrentHashMap.newKeySet();
        SearchThreads.run("test-parts", 5, i -> assertTrue(ran.add(i), "part " + i + " twice"));
        assertEquals(Set.of(0, 1, 2, 3, 4), ran);
    }

    @Test
    void aWorkersExceptionReachesTheCallerAsItself() {
        IllegalArgumentException boom = new IllegalArgumentException("part 2 failed");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> SearchThreads.run("test-one", 4, i -> {
            if (i == 2) {
                throw boom;
            }
        }));
        // The exception itself, so that a data error in a worker is still a data error for the caller.
        assertSame(boom, thrown);
        assertEquals(0, alive("test-one"));
    }

    @Test
    void anErrorInAWorkerIsWrappedWithItAsTheCause() {
        AssertionError error = new AssertionError("worker error");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> SearchThreads.run("test-error", 3, i -> {
                    if (i == 1) {
                        throw error;
                    }
                }));
        assertSame(error, thrown.getCause());
        assertTrue(thrown.getMessage().contains("test-error"), thrown.getMessage());
    }

    @Test
    void severalFailuresAreAllReportedTheCallersFirst() {
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> SearchThreads.run("test-many", 4, i -> {
                    throw new IllegalArgumentException("part " + i);
                }));
        assertEquals("part 0", thrown.getCause().getMessage());
        assertEquals(3, thrown.getSuppressed().length);
    }

    @Test
    void noPartIsLeftRunningWhenAnotherFails() {
        CountDownLatch failed = new CountDownLatch(1);
        Set<Integer> finished = ConcurrentHashMap.newKeySet();
        assertThrows(IllegalArgumentException.class, () -> SearchThreads.run("test-slow", 4, i -> {
            if (i == 1) {
                failed.countDown();
                throw new IllegalArgumentException("fast failure");
            }
            await(failed);
            sleep(150); // still working when the failure is known
            finished.add(i);
        }));
        assertEquals(Set.of(0, 2, 3), finished, "the call returns only once every part is done");
        assertEquals(0, alive("test-slow"));
    }

    @Test
    void anInterruptedCallerStillWaitsForEveryPartThenFails() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        AtomicReference<Long> aliveAfter = new AtomicReference<>();
        AtomicReference<Boolean> interruptKept = new AtomicReference<>();
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                SearchThreads.run("test-interrupt", 3, i -> {
                    if (i == 0) {
                        Thread.currentThread().interrupt(); // the caller is interrupted while the others work
                        release.countDown();
                    } else {
                        await(release);
                        sleep(150);
                    }
                });
            } catch (Throwable e) {
                outcome.set(e);
            }
            aliveAfter.set(alive("test-interrupt"));
            interruptKept.set(Thread.currentThread().isInterrupted());
        });
        caller.join(10_000);
        assertFalse(caller.isAlive());
        assertInstanceOf(IllegalStateException.class, outcome.get(), "no result after an interrupt");
        assertEquals(0L, aliveAfter.get(), "every part finished before the call returned");
        assertTrue(interruptKept.get(), "the interrupt is kept for the caller");
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Sleeps even when interrupted: the part keeps working, as a kernel loop would. */
    private static void sleep(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            try {
                Thread.sleep(Math.max(1, (end - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException ignored) {
                // keep working
            }
        }
    }
}
