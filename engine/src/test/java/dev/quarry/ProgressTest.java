package dev.quarry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void ratesBelowTenKeepThreeSignificantDigits() {
        assertEquals("2.41", Progress.human(2.4137));
        assertEquals("0.417", Progress.human(0.41666));
        assertEquals("0.0123", Progress.human(0.012345));
        assertEquals("41", Progress.human(41.2));
        assertEquals("12.3k", Progress.human(12_345));
        assertEquals("1.23M", Progress.human(1_234_567));
        assertEquals("0", Progress.human(0));
    }

    @Test
    void aRateBelowOneASecondIsPrintedPerMinuteOrPerHour() {
        assertEquals("15 adapters/min", Progress.rate(0.25, "adapters"));
        assertEquals("7.20 adapters/h", Progress.rate(0.002, "adapters"));
        assertEquals("3.50 rows/s", Progress.rate(3.5, "rows"));
        assertEquals("0 rows/s", Progress.rate(0, "rows"));
    }

    @Test
    void aSlowJobsLineShowsItsRatePerMinuteAndTheRightEta() {
        StringWriter text = new StringWriter();
        // 25 of 100 adapters done in 100 s: 0.25 a second, 15 a minute, 300 s left.
        Progress p = new Progress("tune", "adapters", 100, new PrintWriter(text, true), 0, 0,
                System.nanoTime() - 100 * SECOND);
        p.advance(25);
        String line = text.toString().strip();
        assertTrue(line.contains("15 adapters/min"), line);
        assertTrue(line.contains("ETA 5:00") || line.contains("ETA 4:59"), line);
        assertTrue(!line.contains(" 0 adapters/s"), line);
    }
}
