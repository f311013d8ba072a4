package dev.quarry.vector.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.RowPanels;
import dev.quarry.vector.VectorKernels;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When the kernels' warm-up stops, by which clock, and which kernel shapes it runs. */
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

    /** A panel kernel call: which, how many queries, how many rows. */
    private record PanelCall(String kernel, int queries, int rows) {
    }

    /** Kernels that compute nothing: they record the panel calls and end each round on the clock. */
    private static VectorKernels recording(FakeClock clock, List<PanelCall> panelCalls) {
        return (VectorKernels) Proxy.newProxyInstance(VectorKernels.class.getClassLoader(),
                new Class<?>[] {VectorKernels.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "scorePanelsTopK", "scorePanels" -> {
                        panelCalls.add(new PanelCall(method.getName(), ((QueryBlock) args[0]).count(), (int) args[3]));
                        yield null;
                    }
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
        int rounds = KernelWarmup.run(recording(clock, new ArrayList<>()), clock, CAP);
        assertEquals(KernelWarmup.SETTLED_CALLS, rounds);
        assertTrue(clock.wall < CAP / 10, "ended " + clock.wall + " ns in");
    }

    @Test
    void roundsTooSlowToBeCompiledRunUntilTheCapOnTheWall() {
        // 1 ms of CPU a round (the profiling tier), 4 ms on the wall: the cap counts the wall's time.
        FakeClock clock = new FakeClock(1_000_000, 1, 3_000_000);
        int rounds = KernelWarmup.run(recording(clock, new ArrayList<>()), clock, CAP);
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
        int rounds = KernelWarmup.run(recording(clock, new ArrayList<>()), clock, CAP);
        assertEquals(150 + KernelWarmup.SETTLED_CALLS, rounds);
    }

    @Test
    void everyPanelKernelRunsOnListsOfManyRowVectorsForQuadsPairsAndLoneQueries() {
        List<PanelCall> calls = new ArrayList<>();
        FakeClock clock = new FakeClock(30_000, 0, 0);
        KernelWarmup.run(recording(clock, calls), clock, CAP);
        // At 16 lanes a panel is one row vector: three groups of four (a lone query's eight and four) and a tail
        // after them, as an IVF list of a few hundred rows; the earlier warm-up's 43 rows never reached a group.
        long wide = 3 * 4 * RowPanels.ROWS + 1;
        for (String kernel : List.of("scorePanelsTopK", "scorePanels")) {
            assertTrue(calls.stream().anyMatch(c -> c.kernel().equals(kernel) && c.rows() >= wide && c.queries() == 1),
                    kernel + ": a lone query on a wide list, calls " + calls.subList(0, 8));
            assertTrue(calls.stream().anyMatch(c -> c.kernel().equals(kernel) && c.rows() >= wide
                            && c.queries() >= 4 && c.queries() % 4 == 3),
                    kernel + ": a quad, a pair and an odd query on a wide list, calls " + calls.subList(0, 8));
        }
    }
}
