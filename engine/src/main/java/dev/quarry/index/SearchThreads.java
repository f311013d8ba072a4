package dev.quarry.index;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Runs the parts of one search on their own threads: parts 1..n-1 on new platform threads, part 0 on
 * the caller, then waits for all and rethrows the first failure (the others suppressed). For a direct
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
        for (Thread worker : workers) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while searching", e);
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
