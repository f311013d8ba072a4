package dev.quarry.index;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Runs the parts of one search on their own threads: parts 1..n-1 on new platform threads, part 0 on
 * the caller, then waits for all (even when the caller is interrupted) and rethrows the first failure
 * (the others suppressed): no part outlives the call, and a failed call returns nothing. For a direct
 * search call with {@code threads > 1}; the mining pipeline never needs it.
 */
public final class SearchThreads {
    private SearchThreads() {
    }

    /** Runs {@code part.accept(i)} for i in {@code [0, parts)}, in parallel, and waits. */
    public static void run(String name, int parts, IntConsumer part) {
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int t = 1; t < parts; t++) {
            int index = t;
            workers.add(Thread.ofPlatform().name(name + "-" + t).start(() -> {
                try {
                    part.accept(index);
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }));
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
        for (Thread worker : workers) {
            while (true) {
                try {
                    worker.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = e;
                }
            }
        }
        if (interrupted != null) {
            Thread.currentThread().interrupt();
            IllegalStateException e = new IllegalStateException(name + ": interrupted while searching", interrupted);
            failures.forEach(e::addSuppressed);
            throw e;
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
