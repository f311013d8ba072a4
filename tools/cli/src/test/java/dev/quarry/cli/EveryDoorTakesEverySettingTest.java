package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.options.Door;
import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import dev.quarry.options.OptionText;
import dev.quarry.options.Setting;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every setting of the request schema, through every door that takes it, by that door's name: the same
 * value read, the same default when left out, the same refusal of a bad value. The command line is parsed
 * by picocli as {@code quarry mine} parses it; the service and Spark read name/value text through
 * {@link OptionText}, which the server's decoder and Spark's options use.
 */
class EveryDoorTakesEverySettingTest {
    /** The command line's door: {@code quarry mine ARGS}'s settings, as picocli hands them to the schema. */
    private static MineOptions viaCommandLine(String... args) {
        CommandLine cmd = QuarryMain.commandLine();
        CommandLine mine = cmd.getSubcommands().get("mine");
        List<String> all = new ArrayList<>(List.of("mine", "--qrels", "q.tsv", "--output", "out.jsonl"));
        all.addAll(List.of(args));
        cmd.parseArgs(all.toArray(String[]::new));
        return ((SchemaOptions.Mines) mine.getCommand()).schemaOptions().options();
    }

    private static String[] cliArgs(Setting<?> s, String text) {
        return s.kind() == Setting.Kind.SWITCH ? new String[] {Door.CLI.name(s)}
                : new String[] {Door.CLI.name(s), text};
    }

    private static String example(Setting<?> s) {
        return s.kind() == Setting.Kind.SWITCH ? "true" : s.example();
    }

    /** Settings another must accompany for an example to be valid (e.g. include_positives needs labeled-list). */
    private static Map<Setting<?>, String> companions(Setting<?> s) {
        if (s == MineSettings.INCLUDE_POSITIVES) {
            return Map.of(MineSettings.OUTPUT_FORMAT, "labeled-list");
        }
        return Map.of();
    }

    @Test
    void everySettingIsDeclaredWithAMeaningAnExampleAndADoor() {
        assertTrue(MineSettings.ALL.size() >= 20, "settings: " + MineSettings.ALL.size());
        for (Setting<?> s : MineSettings.ALL) {
            assertFalse(s.meaning().isBlank(), s.key());
            assertFalse(s.doors().isEmpty(), s.key());
            assertTrue(s.key().matches("[a-z]+(_[a-z]+)*"), s.key());
            if (s.kind() != Setting.Kind.SWITCH) {
                assertFalse(s.example().isBlank(), s.key() + " has an example");
                assertEquals(s.parse(s.example()), s.parse(s.text(s.parse(s.example()))), s.key() + " reads back");
            }
        }
    }

    @Test
    void everyDoorReadsEverySettingByItsOwnNameToTheSameValue() {
        for (Setting<?> s : MineSettings.ALL) {
            List<String> args = new ArrayList<>(List.of(cliArgs(s, example(s))));
            companions(s).forEach((c, v) -> args.addAll(List.of(cliArgs(c, v))));
            MineOptions cli = viaCommandLine(args.toArray(String[]::new));
            assertTrue(cli.isGiven(s), s.key());
            assertEquals(s.parse(example(s)), cli.get(s), s.key() + " on the command line");
            for (Door door : Door.values()) {
                if (door == Door.CLI || !s.appliesTo(door)) {
                    continue;
                }
                for (String name : door.accepted(s)) {
                    java.util.LinkedHashMap<String, String> values = new java.util.LinkedHashMap<>();
                    values.put(name, example(s));
                    companions(s).forEach((c, v) -> values.put(door.name(c), v));
                    MineOptions read = OptionText.read(door, values, MineOptions.defaults());
                    assertEquals(cli.get(s), read.get(s), s.key() + " as " + name + " (" + door + ")");
                }
            }
        }
    }

    @Test
    void everyDoorLeavesAnUnsetSettingAtTheSameDefault() {
        MineOptions cli = viaCommandLine();
        for (Door door : Door.values()) {
            MineOptions read = OptionText.read(door, Map.of(), MineOptions.defaults());
            for (Setting<?> s : MineSettings.ALL) {
                assertEquals(s.defaultValue(), read.get(s), s.key() + " (" + door + ")");
                assertEquals(s.defaultValue(), cli.get(s), s.key() + " (command line)");
            }
        }
    }

    @Test
    void everyDoorRefusesABadValueWithTheSameFieldValueAndExpected() {
        for (Setting<?> s : MineSettings.ALL) {
            if (s.kind() == Setting.Kind.SWITCH) {
                continue; // a switch on the command line takes no value to get wrong
            }
            String bad = s.kind() == Setting.Kind.CHOICE ? "nonsense" : "NaN";
            OptionError cli = assertThrows(OptionError.class, () -> viaCommandLine(cliArgs(s, bad)), s.key());
            assertEquals(s.key(), cli.field());
            assertEquals(bad, cli.value());
            for (Door door : Door.values()) {
                if (door == Door.CLI || !s.appliesTo(door)) {
                    continue;
                }
                OptionError e = assertThrows(OptionError.class,
                        () -> OptionText.read(door, Map.of(door.name(s), bad), MineOptions.defaults()), s.key());
                assertEquals(List.of(cli.field(), cli.value(), cli.expected()), List.of(e.field(), e.value(),
                        e.expected()), s.key() + " (" + door + ")");
            }
        }
    }

    @Test
    void outOfRangeValuesAreRefusedAtEveryDoorAsOnTheCommandLine() {
        String[][] cases = {{"num_negatives", "0"}, {"range_min", "-1"}, {"nprobe", "0"}, {"relative_margin", "1"},
                {"near_duplicate", "-1"}, {"semi_hard_margin", "0"}, {"simans_a", "0"}, {"simans_b", "3"}};
        for (String[] c : cases) {
            Setting<?> s = Objects.requireNonNull(MineSettings.byKey(c[0]));
            OptionError cli = assertThrows(OptionError.class, () -> viaCommandLine(Door.CLI.name(s), c[1]));
            assertEquals(Door.CLI.name(s) + "=" + c[1] + ", expected " + s.expected(), Door.CLI.render(cli));
            OptionError http = assertThrows(OptionError.class,
                    () -> OptionText.read(Door.HTTP, Map.of(c[0], c[1]), MineOptions.defaults()));
            assertEquals(c[0] + "=" + c[1] + ", expected " + s.expected(), Door.HTTP.render(http));
        }
    }

    @Test
    void settingsThatDoNotGoTogetherAreRefusedNamingTheOtherByEachDoorsName() {
        OptionError cli = assertThrows(OptionError.class, () -> viaCommandLine("--range-min", "50", "--range-max", "10"));
        assertEquals("--range-min=50, expected 0 <= --range-min < --range-max = 10", Door.CLI.render(cli));
        assertEquals("range_min=50, expected 0 <= range_min < range_max = 10", Door.HTTP.render(cli));
        assertEquals("rangeMin=50, expected 0 <= rangeMin < rangeMax = 10", Door.SPARK.render(cli));
    }

    @Test
    void aSettingNamedTwiceAtOneDoorIsRefused() {
        Map<String, String> both = new java.util.LinkedHashMap<>();
        both.put("num_negatives", "4");
        both.put("num-negatives", "5");
        OptionError e = assertThrows(OptionError.class, () -> OptionText.read(Door.HTTP, both, MineOptions.defaults()));
        assertEquals("num_negatives", e.field());
        assertTrue(e.expected().startsWith("one value"), e.expected());
    }

    @Test
    void noDefencesDropsTheDefencesButNotTheExplicitOnes() {
        MineOptions plain = viaCommandLine("--no-defences");
        assertEquals(0, plain.get(MineSettings.RANGE_MIN));
        assertTrue(Double.isNaN(plain.get(MineSettings.RELATIVE_MARGIN)));
        assertEquals(5, viaCommandLine("--no-defences", "--range-min", "5").get(MineSettings.RANGE_MIN));
        assertEquals(plain, OptionText.read(Door.HTTP, Map.of("no_defences", "true"), MineOptions.defaults()));
    }

    @Test
    void aSwitchOnByDefaultIsSwitchedOffAtEveryDoor() {
        Setting<Boolean> s = MineSettings.LEAVE_OUT_SHORT;
        assertTrue(viaCommandLine().get(s));
        assertFalse(viaCommandLine("--no-leave-out-short").get(s));
        assertTrue(viaCommandLine("--leave-out-short").get(s));
        assertFalse(viaCommandLine("--no-defences").get(s), "the plain shape keeps short anchors");
        assertTrue(viaCommandLine("--no-defences", "--leave-out-short").get(s), "an explicit value still applies");
        for (Door door : Door.values()) {
            if (door != Door.CLI) {
                assertFalse(OptionText.read(door, Map.of(door.name(s), "false"), MineOptions.defaults()).get(s),
                        door.toString());
            }
        }
    }

    @Test
    void theHelpShowsEverySettingWithItsMeaningAndDefault() {
        CliRun help = CliRun.of("mine", "--help");
        assertEquals(0, help.exitCode(), help::toString);
        for (Setting<?> s : MineSettings.of(Door.CLI)) {
            assertTrue(help.out().contains(Door.CLI.name(s)), s.key() + "\n" + help.out());
        }
        assertTrue(help.out().contains("Negatives per anchor. (default: 3)"), help.out());
        assertTrue(help.out().contains("--no-leave-out-short"), help.out());
        assertNotNull(MineSettings.byKey("min_positive_score"));
    }
}
