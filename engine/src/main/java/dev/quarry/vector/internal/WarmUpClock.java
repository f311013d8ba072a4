package dev.quarry.vector.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The two clocks of the kernels' warm-up ({@link KernelWarmup}): the calling thread's CPU time, which judges
 * whether the kernels are compiled (a call that waited for a core is no slower in it), and the wall's, which
 * bounds the whole warm-up. Read by the thread that warms up only.
 */
interface WarmUpClock {
    /** The calling thread's CPU time, or the wall's where the JVM cannot tell it, in nanoseconds. */
    long cpuNanos();

    /** {@link System#nanoTime}. */
    long wallNanos();

    /** The clocks of the running thread. */
    WarmUpClock THREAD = new WarmUpClock() {
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private final boolean cpu = threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled();

        @Override
        public long cpuNanos() {
            return cpu ? threads.getCurrentThreadCpuTime() : System.nanoTime();
        }

        @Override
        public long wallNanos() {
            return System.nanoTime();
        }
    };
}
