package dev.quarry.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.options.Door;
import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import dev.quarry.options.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The options file: what is written reads back as the same settings at every door, and anything that is not
 * such a file is refused naming the file, the key and what was expected.
 */
class OptionsFileTest {
    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        Path f = dir.resolve("o" + Integer.toHexString(text.hashCode()) + ".json");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void whatIsWrittenReadsBackAsTheSameSettingsAtEveryDoor() {
        MineOptions options = MineOptions.builder().set(MineSettings.RANGE_MAX, 50)
                .set(MineSettings.SAMPLING_STRATEGY, "simans").set(MineSettings.SIMANS_B, -0.05)
                .set(MineSettings.MIN_SCORE, 0.125).set(MineSettings.RELATIVE_MARGIN, Double.NaN)
                .set(MineSettings.WIDEN_TO, 400).set(MineSettings.LEAVE_OUT_SHORT, false).set(MineSettings.SEED, 7L)
                .set(MineSettings.NPROBE, 8).set(MineSettings.OUTPUT_FORMAT, "n-tuple").build();
        Path f = dir.resolve("best.json");
        OptionsFile.write(f, options, "a test", null);
        for (Door door : Door.values()) {
            MineOptions read = OptionsFile.read(f, door);
            for (Setting<?> s : MineSettings.of(Door.HTTP)) {
                if (s != MineSettings.NPROBE) {
                    assertEquals(options.get(s), read.get(s), door + " " + s);
                }
            }
            assertFalse(read.isGiven(MineSettings.NPROBE), "nprobe belongs to an index, not to the file");
            assertFalse(read.isGiven(MineSettings.OUTPUT_FORMAT), "output settings are the command line's own");
        }
    }

    @Test
    void theFileHoldsEverySettingInForceSoItMeansTheSameWhateverTheDefaultsBecome() throws IOException {
        Path f = dir.resolve("defaults.json");
        OptionsFile.write(f, MineOptions.builder().set(MineSettings.NO_DEFENCES, true).build(), null, "careful");
        String text = Files.readString(f);
        assertTrue(text.contains("\"range_min\" : 0") && text.contains("\"relative_margin\" : \"off\"")
                && text.contains("\"leave_out_short\" : false") && text.contains("\"warning\" : \"careful\""), text);
        assertFalse(text.contains("no_defences"), "its effect is in the values: " + text);
        MineOptions read = OptionsFile.read(f, Door.CLI);
        assertEquals(0, read.get(MineSettings.RANGE_MIN));
        assertTrue(read.isGiven(MineSettings.NUM_NEGATIVES), "every setting is given: " + read.givenText());
    }

    @Test
    void anythingElseIsRefusedNamingTheKeyAndWhatWasExpected() throws IOException {
        String[][] cases = {
            {"[1]", "file=not a JSON object"},
            {"{\"options\": {\"range_min\": 3}", "file=unreadable ("},
            {"{\"options\": {}} {}", "file=more after the object"},
            {"{\"format\": \"quarry-options\"}", "options=missing"},
            {"{\"format\": \"other\", \"options\": {}}", "format=other, expected \"quarry-options\""},
            {"{\"version\": 2, \"options\": {}}", "version=2, expected 1"},
            {"{\"options\": {}, \"note\": \"x\"}", "note=x, expected format, version, source, warning or options"},
            {"{\"options\": [1]}", "options=[, expected an object of settings"},
            {"{\"options\": {\"range_mni\": 3}}", "options.range_mni=3, expected a setting of the request schema"},
            {"{\"options\": {\"output_format\": \"npy\"}}", "options.output_format=npy, expected a setting http takes"},
            {"{\"options\": {\"num_negatives\": 0}}", "options.num_negatives=0, expected >= 1"},
            {"{\"options\": {\"num_negatives\": 2.5}}", "options.num_negatives=2.5, expected an integer"},
            {"{\"options\": {\"relative_margin\": \"NaN\"}}", "options.relative_margin=NaN, expected a finite number"},
            {"{\"options\": {\"min_score\": null}}", "options.min_score=null, expected a finite number (or off)"},
            {"{\"options\": {\"seed\": [1]}}", "options.seed=an array, expected an integer"},
            {"{\"options\": {\"seed\": 1, \"seed\": 2}}", "options.seed=2, expected each setting once"},
            {"{\"options\": {\"range_max\": 5}}", "options.range_min=10, expected 0 <= range_min < range_max = 5"},
            {"{\"options\": {\"widen_to\": 50}}", "options.widen_to=50, expected a rank > range_max = 100"},
        };
        for (String[] c : cases) {
            Path f = file(c[0]);
            QuarryDataException e = assertThrows(QuarryDataException.class, () -> OptionsFile.read(f, Door.HTTP),
                    c[0]);
            assertTrue(e.getMessage().startsWith(f + ": " + c[1]), c[0] + " -> " + e.getMessage());
        }
    }

    @Test
    void onlyARegularFileOfAFewBytesIsRead() throws IOException {
        assertThrows(QuarryDataException.class, () -> OptionsFile.read(dir, Door.CLI), "a directory");
        assertThrows(QuarryDataException.class, () -> OptionsFile.read(dir.resolve("none.json"), Door.CLI));
        Path big = dir.resolve("big.json");
        Files.write(big, new byte[(int) OptionsFile.MAX_BYTES + 1]);
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> OptionsFile.read(big, Door.CLI));
        assertTrue(e.getMessage().contains("size="), e.getMessage());
    }
}
