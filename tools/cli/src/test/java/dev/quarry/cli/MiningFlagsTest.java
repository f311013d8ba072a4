package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.SamplingStrategy;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** quarry mine's options read from name/value pairs: the command line's names, defaults and checks. */
class MiningFlagsTest {

    @Test
    void namesAreTheMiningFlagsWithoutOutputOnes() {
        assertTrue(MiningFlags.names().containsAll(java.util.List.of("num-negatives", "range-min", "range-max",
                "relative-margin", "near-duplicate", "sampling-strategy", "seed", "nprobe", "no-defences")));
        assertFalse(MiningFlags.names().contains("output-format"));
        assertFalse(MiningFlags.names().contains("soft-labels"));
    }

    @Test
    void noValuesGiveTheCommandsDefaults() {
        MiningFlags.Parsed parsed = MiningFlags.parse(Map.of());
        assertEquals(MiningConfig.defaults(), parsed.config());
        assertNull(parsed.nprobe());
    }

    @Test
    void aSwitchOnByDefaultIsSwitchedOffByItsNoNameOrFalse() {
        assertTrue(MiningFlags.parse(Map.of()).config().shortfall().leaveOut());
        assertTrue(MiningFlags.parse(Map.of("leave-out-short", "true")).config().shortfall().leaveOut());
        assertFalse(MiningFlags.parse(Map.of("leave-out-short", "false")).config().shortfall().leaveOut());
        assertFalse(MiningFlags.parse(Map.of("no-leave-out-short", "true")).config().shortfall().leaveOut());
        assertTrue(MiningFlags.parse(Map.of("no-leave-out-short", "false")).config().shortfall().leaveOut());
        assertFalse(MiningFlags.parse(Map.of("no-defences", "true")).config().shortfall().leaveOut(),
                "the plain shape keeps short anchors");
        assertTrue(MiningFlags.parse(Map.of("no-defences", "true", "leave-out-short", "true")).config().shortfall()
                .leaveOut());
        assertEquals(400, MiningFlags.parse(Map.of("widen-to", "400")).config().shortfall().widenTo());
        MiningFlags.Refused e = assertThrows(MiningFlags.Refused.class,
                () -> MiningFlags.parse(Map.of("no-leave-out-short", "maybe")));
        assertEquals("no-leave-out-short", e.field());
    }

    @Test
    void valuesAreReadAsTheCommandLineReadsThem() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("num-negatives", "8");
        values.put("sampling-strategy", "random");
        values.put("seed", "7");
        values.put("near-duplicate", "off");
        values.put("nprobe", "4");
        MiningFlags.Parsed parsed = MiningFlags.parse(values);
        assertEquals(8, parsed.config().numNegatives());
        assertEquals(SamplingStrategy.RANDOM, parsed.config().sampling().strategy());
        assertEquals(7, parsed.config().seed());
        assertTrue(Double.isNaN(parsed.config().nearDuplicate()));
        assertEquals(4, parsed.nprobe());
    }

    @Test
    void aSetReadAgainGivesTheSameOptionsAndARefusedSetIsRefusedEveryTime() {
        // sets are kept once read (a service sees the same ones call after call): what was kept must be
        // what reading gives, whatever map the values come in, and refusals are never kept as answers
        Map<String, String> values = new LinkedHashMap<>();
        values.put("num-negatives", "5");
        values.put("seed", "3");
        MiningFlags.Parsed first = MiningFlags.parse(values);
        MiningFlags.Parsed again = MiningFlags.parse(new java.util.HashMap<>(values));
        assertEquals(first, again);
        assertEquals(5, again.config().numNegatives());
        assertEquals(MiningConfig.defaults(), MiningFlags.parse(Map.of()).config());
        for (int i = 0; i < 2; i++) {
            assertThrows(MiningFlags.Refused.class, () -> MiningFlags.parse(Map.of("num-negatives", "0")));
        }
        Map<String, String> withNull = new java.util.HashMap<>();
        withNull.put("output-scores", null);
        assertThrows(MiningFlags.Refused.class, () -> MiningFlags.parse(withNull));
    }

    @Test
    void noDefencesAsASwitchDropsTheDefencesNotTheExplicitOnes() {
        MiningConfig plain = MiningFlags.parse(Map.of("no-defences", "true")).config();
        assertEquals(0, plain.rangeMin());
        assertTrue(Double.isNaN(plain.relativeMargin()));
        assertEquals(5, MiningFlags.parse(Map.of("no-defences", "true", "range-min", "5")).config().rangeMin());
        assertEquals(MiningConfig.defaults(), MiningFlags.parse(Map.of("no-defences", "false")).config());
    }

    @Test
    void refusalsNameTheOptionTheValueAndWhatWasExpected() {
        MiningFlags.Refused unknown = assertThrows(MiningFlags.Refused.class, () -> MiningFlags.parse(Map.of(
                "output-format", "npy")));
        assertEquals("output-format", unknown.field());
        assertTrue(unknown.expected().startsWith("one of the mining options"), unknown.expected());
        MiningFlags.Refused notInt = assertThrows(MiningFlags.Refused.class, () -> MiningFlags.parse(Map.of(
                "num-negatives", "many")));
        assertEquals("num-negatives", notInt.field());
        assertEquals("many", notInt.value());
        assertEquals("an integer", notInt.expected());
        MiningFlags.Refused nan = assertThrows(MiningFlags.Refused.class, () -> MiningFlags.parse(Map.of(
                "relative-margin", "NaN")));
        assertEquals("a finite number (or off)", nan.expected());
        MiningFlags.Refused flag = assertThrows(MiningFlags.Refused.class, () -> MiningFlags.parse(Map.of(
                "no-defences", "maybe")));
        assertEquals("true or false", flag.expected());
        MiningFlags.Refused range = assertThrows(MiningFlags.Refused.class, () -> MiningFlags.parse(Map.of(
                "range-min", "50", "range-max", "10")));
        assertTrue(range.getMessage().startsWith(range.field() + "="), range.getMessage());
        assertTrue(range.field().startsWith("range-"), range.getMessage());
    }
}
