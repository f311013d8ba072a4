package dev.quarry.eval.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Binning of scores (equal widths) and of ranks and counts (whole-number widths). */
class HistogramTest {

    @Test
    void scoresFallInEqualWidthBinsAndTheMaximumInTheLast() {
        Histogram h = Histogram.of(new double[] {0, 0.24, 0.25, 0.99, 1.0, Double.NaN}, 4, 0, 1);
        assertArrayEquals(new long[] {2, 1, 0, 2}, h.counts());
        assertEquals(0, h.above());
        assertEquals("0.250 to 0.500", h.range(1));
    }

    @Test
    void wholeNumbersGetABinEachWhenTheyFit() {
        Histogram h = Histogram.ofWhole(new double[] {0, 3, 3, 4}, 40, 5);
        assertArrayEquals(new long[] {1, 0, 0, 2, 1}, h.counts());
        assertEquals("3", h.range(3));
        assertEquals(5, h.hi());
    }

    @Test
    void wideRangesGetWholeNumberWidthsAndCountWhatLiesBeyond() {
        // end 100 in at most 40 bins: width 3, 34 bins over [0, 102)
        Histogram h = Histogram.ofWhole(new double[] {0, 2, 3, 99, 101, 1000}, 40, 100);
        assertEquals(34, h.counts().length);
        assertEquals(2, h.counts()[0]);
        assertEquals(1, h.counts()[1]);
        assertEquals(3, h.counts()[33], "99, 101 and 1000 (beyond the end, clamped)");
        assertEquals(2, h.above(), "101 and 1000 are at or beyond the end");
        assertEquals("0 to 2", h.range(0));
        assertEquals("99 or more", h.range(33));
    }
}
