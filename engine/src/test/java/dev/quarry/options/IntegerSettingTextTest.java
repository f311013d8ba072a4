package dev.quarry.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * An integer setting read from text: any notation that writes an integer exactly is that integer (so a
 * value such as {@code 1e8} meets the setting's own bound, as {@code 100000000} does, at every door), and
 * anything else is refused naming the text as written.
 */
class IntegerSettingTextTest {
    @Test
    void readsAnIntegerWrittenWithAnExponentOrATrailingZeroFraction() {
        assertEquals(100_000_000, MineSettings.RANGE_MAX.parse("1e8"));
        assertEquals(100_000_000, MineSettings.RANGE_MAX.parse("1E+08"));
        assertEquals(200, MineSettings.RANGE_MAX.parse("200.0"));
        assertEquals(200, MineSettings.RANGE_MAX.parse(" 200 "));
        assertEquals(0, MineSettings.RANGE_MIN.parse("0.000"));
        assertEquals(1_000_000_000_000L, MineSettings.SEED.parse("1e12"));
    }

    @Test
    void refusesAFractionOrAWordAsNotAnInteger() {
        for (String text : new String[] {"1.5", "1e-3", "ten", "", "0x10", "NaN", "Infinity"}) {
            OptionError e = assertThrows(OptionError.class, () -> MineSettings.RANGE_MAX.parse(text), text);
            assertEquals("an integer", e.expected(), text);
            assertEquals(text, e.value(), text);
        }
    }

    @Test
    void refusesAnIntegerBeyondTheTypeNamingItsRangeWithoutBuildingIt() {
        for (String text : new String[] {"2147483648", "1e10", "-3e9", "1e999999999"}) {
            OptionError e = assertThrows(OptionError.class, () -> MineSettings.RANGE_MAX.parse(text), text);
            assertEquals("an integer from -2147483648 to 2147483647", e.expected(), text);
        }
        OptionError e = assertThrows(OptionError.class, () -> MineSettings.SEED.parse("1e19"));
        assertTrue(e.expected().contains("9223372036854775807"), e.expected());
    }

    @Test
    void anIntegerWrittenWithAnExponentMeetsTheSettingsOwnBound() {
        OptionError e = assertThrows(OptionError.class, () -> MineSettings.NUM_NEGATIVES.parse("0e3"));
        assertEquals(MineSettings.NUM_NEGATIVES.expected(), e.expected());
        assertEquals("0e3", e.value());
    }
}
