package dev.quarry.eval.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The Wilson interval against the published values of Newcombe (1998), Table I, method 3. */
class WilsonIntervalTest {

    private static void assertInterval(long k, long n, double low, double high) {
        WilsonInterval w = WilsonInterval.of(k, n, WilsonInterval.Z95);
        assertEquals((double) k / n, w.estimate(), 1e-15);
        assertEquals(low, w.low(), 5e-5, k + "/" + n + " low");
        assertEquals(high, w.high(), 5e-5, k + "/" + n + " high");
    }

    @Test
    void matchesPublishedIntervals() {
        assertInterval(81, 263, 0.2553, 0.3662);
        assertInterval(15, 148, 0.0624, 0.1605);
        assertInterval(0, 20, 0.0, 0.1611);
        assertInterval(1, 29, 0.0061, 0.1718);
    }

    @Test
    void staysInsideZeroToOneAtTheEdges() {
        assertInterval(0, 10, 0.0, 0.2775);
        WilsonInterval all = WilsonInterval.of(10, 10, WilsonInterval.Z95);
        assertEquals(1.0, all.high(), 1e-12);
        assertEquals(0.7225, all.low(), 5e-5);
    }

    @Test
    void impossibleCountsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> WilsonInterval.of(1, 0, WilsonInterval.Z95));
        assertThrows(IllegalArgumentException.class, () -> WilsonInterval.of(5, 4, WilsonInterval.Z95));
    }
}
