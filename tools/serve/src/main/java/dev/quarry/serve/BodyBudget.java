package dev.quarry.serve;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of request bodies the server holds at once, counted by their real size as they are read: a
 * body is refused (503) when it would take the total past the bound, so memory under any flood stays
 * within it. Lock-free, thread-safe.
 */
final class BodyBudget {
    private final long bound;
    private final AtomicLong held = new AtomicLong();

    BodyBudget(long bound) {
        this.bound = bound;
    }

    /** Takes {@code bytes} if they fit under the bound. */
    boolean tryTake(long bytes) {
        while (true) {
            long now = held.get();
            if (now + bytes > bound) {
                return false;
            }
            if (held.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    void give(long bytes) {
        held.addAndGet(-bytes);
    }

    long held() {
        return held.get();
    }
}
