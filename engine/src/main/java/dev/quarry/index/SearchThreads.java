package dev.quarry.index;

import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Runs the parts of one search in parallel: part 0 on the caller, the others on one pool of daemon
 * worker threads that every search in the process shares (started once, on first use; no thread is
 * started per search). The call waits for all parts (even when the caller is interrupted) and
 * rethrows the first failure (the others suppressed; a data or usage error, the user's input at fault,
 * before any other, as it is): no part outlives the call, and a failed call returns nothing. A part that itself splits (a search run by a pool worker) runs its parts one after
 * another on that worker, so the pool never waits on itself.
 *
 * <p>Both waits of a call poll for a while before they park: a worker that has finished a part polls for the
 * next one for {@value #SPIN_MICROS} microseconds, and the caller that has finished its own part polls for the
 * others' end as long before it parks. Waking a parked thread costs tens of microseconds on a virtual machine
 * (measured 40-70 at the median, milliseconds in the tail: bench/README.md, "The trainer's call taken apart"),
 * twice a call, where a trainer's calls come back to back and its two halves end within a fraction of a
 * millisecond of each other. Between polls a thread yields its CPU: on an idle core that returns at once, and
 * on a busy machine the thread it waits for (or any other) runs instead of a spin loop. A poll that finds
 * nothing ends in the park it replaced; an idle process does not poll.
 */
public final class SearchThreads {
    /** How long each wait of a call spins before it parks. */
    static final long SPIN_MICROS = 100;
    private static final long SPIN_NANOS = SPIN_MICROS * 1000;
    private static final AtomicInteger BUSY = new AtomicInteger();
    private static final ThreadLocal<Boolean> WORKER = ThreadLocal.withInitial(() -> false);
    private static final ExecutorService POOL = pool();

    private SearchThreads() {
    }

    private static ExecutorService pool() {
        int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.SECONDS,
                new SpinningQueue(), r -> {
                    Thread t = new Thread(() -> {
                        WORKER.set(true);
                        r.run();
                    }, "quarry-search-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.prestartAllCoreThreads(); // so that no search pays for starting a thread
        return pool;
    }

    /** Parts running on pool workers now (0 between searches): for tests. */
    public static int busyWorkers() {
        return BUSY.get();
    }

    /** Runs {@code part.accept(i)} for i in {@code [0, parts)}, in parallel, and waits. */
    public static void run(String name, int parts, IntConsumer part) {
        if (parts <= 1 || WORKER.get()) {
            runInline(name, parts, part);
            return;
        }
        List<Throwable> failures = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(parts - 1);
        for (int t = 1; t < parts; t++) {
            int index = t;
            POOL.execute(() -> {
                BUSY.incrementAndGet();
                try {
                    part.accept(index);
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                } finally {
                    BUSY.decrementAndGet();
                    done.countDown();
                }
            });
        }
        try {
            part.accept(0);
        } catch (RuntimeException | Error e) {
            synchronized (failures) {
                failures.addFirst(e);
            }
        }
        // Every part is waited for, even when the caller is interrupted: the parts write into the caller's
        // collectors, and nothing of the search may outlive the call. The interrupt is kept, and fails the call.
        InterruptedException interrupted = null;
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (done.getCount() != 0 && System.nanoTime() - spinUntil < 0) {
            Thread.yield();
        }
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = e;
            }
        }
        synchronized (failures) {
            rethrow(name, failures, interrupted);
        }
    }

    /**
     * The pool's queue: a worker that finds it empty polls it for {@link #SPIN_NANOS}, yielding between polls,
     * before it blocks, so a part handed over while it polls needs no wake-up ({@code offer} signals only a
     * worker that blocked).
     */
    private static final class SpinningQueue extends LinkedBlockingQueue<Runnable> {
        @Override
        public Runnable take() throws InterruptedException {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            do {
                Runnable r = poll();
                if (r != null) {
                    return r;
                }
                Thread.yield();
            } while (System.nanoTime() - spinUntil < 0);
            return super.take();
        }
    }

    private static void runInline(String name, int parts, IntConsumer part) {
        List<Throwable> failures = new ArrayList<>();
        for (int t = 0; t < parts; t++) {
            try {
                part.accept(t);
            } catch (RuntimeException | Error e) {
                failures.add(e);
            }
        }
        rethrow(name, failures, null);
    }

    private static void rethrow(String name, List<Throwable> failures, InterruptedException interrupted) {
        if (interrupted != null) {
            Thread.currentThread().interrupt();
            IllegalStateException e = new IllegalStateException(name + ": interrupted while searching", interrupted);
            failures.forEach(e::addSuppressed);
            throw e;
        }
        for (Throwable f : failures) { // the user's data or settings: what the call failed on, the rest follows from it
            if (f instanceof QuarryDataException || f instanceof QuarryUsageException) {
                throw (RuntimeException) f;
            }
        }
        if (!failures.isEmpty()) {
            Throwable first = failures.getFirst();
            if (first instanceof RuntimeException re && failures.size() == 1) {
                throw re;
            }
            IllegalStateException e = new IllegalStateException(name + ": a search thread failed", first);
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }
}
