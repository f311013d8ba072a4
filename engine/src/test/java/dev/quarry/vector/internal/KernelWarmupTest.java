package dev.quarry.vector.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.vector.VectorKernels;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

/** When the kernels' warm-up stops, and by which clock. */
class KernelWarmupTest {
    private static final long CAP = 5_000_000_000L;

    /**
     * A clock the kernels below move: each round (ended by its one {@code countAtLeast}) costs {@code cpuPerRound}
     * of CPU and as much on the wall, and every {@code waitEvery}-th round waits {@code wait} more on the wall
     * only, as a thread does that is ready to run while the cores are busy with other threads.
     */
    private static class FakeClock implements WarmUpClock {
        final long cpuPerRound;
        final int waitEvery;
        final long wait;
        long cpu;
        long wall;
        int rounds;

        FakeClock(long cpuPerRound, int waitEvery, long wait) {
            this.cpuPerRound = cpuPerRound;
            this.waitEvery = waitEvery;
            this.wait = wait;
        }

        void round() {
            rounds++;
            cpu += cpuPerRound;
            wall += cpuPerRound + (waitEvery > 0 && rounds % waitEvery == 0 ? wait : 0);
        }

        @Override
        public long cpuNanos() {
            return cpu;
        }

        @Override
        public long wallNanos() {
            return wall;
        }
    }

    /** Kernels that compute nothing: each round (its one {@code countAtLeast}) moves the clock. */
    private static VectorKernels timed(FakeClock clock) {
        return (VectorKernels) Proxy.newProxyInstance(VectorKernels.class.getClassLoader(),
                new Class<?>[] {VectorKernels.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "countAtLeast" -> {
                        clock.round();
                        yield 0;
                    }
                    case "indicesAtLeast" -> 0;
                    default -> null;
                });
    }

    @Test
    void roundsThatWaitedForACoreDoNotRestartTheRunOfFastRounds() {
        // 30 us of CPU a round, and every 50th round 20 ms on the wall waiting for a core: by the wall no 200 rounds
        // in a row are ever within twice the fastest, and the warm-up ran to its cap.
        FakeClock clock = new FakeClock(30_000, 50, 20_000_000);
        int rounds = KernelWarmup.run(timed(clock), clock, CAP);
        assertEquals(KernelWarmup.SETTLED_CALLS, rounds);
        assertTrue(clock.wall < CAP / 10, "ended " + clock.wall + " ns in");
    }

    @Test
    void roundsTooSlowToBeCompiledRunUntilTheCapOnTheWall() {
        // 1 ms of CPU a round (the profiling tier), 4 ms on the wall: the cap counts the wall's time.
        FakeClock clock = new FakeClock(1_000_000, 1, 3_000_000);
        int rounds = KernelWarmup.run(timed(clock), clock, CAP);
        assertEquals(CAP / 4_000_000, rounds);
    }

    @Test
    void aRoundFarSlowerThanTheFastestStartsTheCountAgain() {
        // A round of twice the CPU plus one (a fresh compilation, a deoptimized call) is not yet settled.
        FakeClock clock = new FakeClock(30_000, 0, 0) {
            @Override
            void round() {
                super.round();
                if (rounds == 150) {
                    cpu += cpuPerRound + 1;
                }
            }
        };
        int rounds = KernelWarmup.run(timed(clock), clock, CAP);
        assertEquals(150 + KernelWarmup.SETTLED_CALLS, rounds);
    }
}
