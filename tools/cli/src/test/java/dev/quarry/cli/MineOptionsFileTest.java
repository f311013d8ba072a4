package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quarry mine --options-file}: the file's settings mine what the same flags typed would, the command
 * line wins over the file, and a file that is not options, or that the run would overwrite, is refused.
 */
class MineOptionsFileTest {
    @TempDir
    static Path catalog;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeCatalog() {
        new SyntheticCatalog(new CatalogSpec(2000, 300, 16, 20, 0.5, 3, 0.05, 5)).write(catalog);
    }

    private static List<Object> mine(Path output, Object... more) {
        List<Object> args = new ArrayList<>(List.of("mine", "--corpus", catalog.resolve("corpus.qvec"), "--queries",
                catalog.resolve("queries.qvec"), "--qrels", catalog.resolve("qrels.tsv"), "--output", output,
                "--output-scores"));
        args.addAll(List.of(more));
        return args;
    }

    private Path options(String settings) throws IOException {
        Path file = dir.resolve("best-" + Integer.toHexString(settings.hashCode()) + ".json");
        Files.writeString(file, "{\"format\": \"quarry-options\", \"version\": 1, \"options\": {" + settings + "}}\n");
        return file;
    }

    @Test
    void theFilesSettingsMineWhatTheSameFlagsTypedMine() throws IOException {
        Path file = options("\"range_max\": 50, \"sampling_strategy\": \"random\", \"widen_to\": 200,"
                + " \"leave_out_short\": false, \"simans_b\": -0.2, \"min_score\": \"off\"");
        CliRun typed = CliRun.of(mine(dir.resolve("typed.jsonl"), "--range-max", 50, "--sampling-strategy", "random",
                "--widen-to", 200, "--no-leave-out-short", "--simans-b", -0.2).toArray());
        CliRun read = CliRun.of(mine(dir.resolve("read.jsonl"), "--options-file", file).toArray());
        assertEquals(0, typed.exitCode(), typed::toString);
        assertEquals(0, read.exitCode(), read::toString);
        assertArrayEquals(Files.readAllBytes(dir.resolve("typed.jsonl")), Files.readAllBytes(dir.resolve("read.jsonl")));
        assertTrue(read.out().contains("sampling-strategy=random seed=42 shortfall=widen-to-200"), read::toString);
    }

    @Test
    void settingsOnTheCommandLineWinOverTheFile() throws IOException {
        Path file = options("\"num_negatives\": 2, \"range_min\": 4");
        CliRun run = CliRun.of(mine(dir.resolve("m.jsonl"), "--options-file", file, "--num-negatives", 5,
                "--output-format", "n-tuple").toArray());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("num-negatives=5 range=[4, 100)"), run::toString);
        assertTrue(Files.readAllLines(dir.resolve("m.jsonl")).getFirst().contains("\"negative_5\""));
        CliRun clash = CliRun.of(mine(dir.resolve("c.jsonl"), "--options-file", options("\"range_max\": 50"),
                "--range-min", 60).toArray());
        assertEquals(2, clash.exitCode(), clash::toString);
        assertTrue(clash.err().contains("--range-min=60, expected 0 <= --range-min < --range-max = 50 (with the"
                + " options of "), clash::toString);
        assertFalse(Files.exists(dir.resolve("c.jsonl")));
    }

    @Test
    void aFileThatIsNotOptionsIsBadDataNamingTheKey() throws IOException {
        String[][] cases = {
            {"\"range_mni\": 3", "options.range_mni=3, expected a setting of the request schema"},
            {"\"relative_margin\": \"NaN\"", "options.relative_margin=NaN, expected a finite number (or off)"},
            {"\"range_max\": 5", "options.range_min=10, expected 0 <= --range-min < --range-max = 5"},
        };
        for (String[] c : cases) {
            CliRun run = CliRun.of(mine(dir.resolve("x.jsonl"), "--options-file", options(c[0])).toArray());
            assertEquals(3, run.exitCode(), c[0] + run);
            assertTrue(run.err().contains(c[1]), c[0] + run);
            assertFalse(Files.exists(dir.resolve("x.jsonl")));
        }
        Path flags = dir.resolve("flags.options");
        Files.writeString(flags, "--range-max 50\n");
        CliRun text = CliRun.of(mine(dir.resolve("x.jsonl"), "--options-file", flags).toArray());
        assertEquals(3, text.exitCode(), text::toString);
        assertTrue(text.err().contains(flags + ": file=unreadable ("), text::toString);
        CliRun missing = CliRun.of(mine(dir.resolve("x.jsonl"), "--options-file", dir.resolve("none.json"))
                .toArray());
        assertEquals(3, missing.exitCode(), missing::toString);
    }

    @Test
    void theRunNeverWritesOverItsOptionsFile() throws IOException {
        Path file = options("\"range_max\": 50");
        String before = Files.readString(file);
        Path link = dir.resolve("link.jsonl");
        Files.createSymbolicLink(link, file);
        for (Path output : List.of(file, link)) {
            CliRun run = CliRun.of(mine(output, "--options-file", file).toArray());
            assertEquals(3, run.exitCode(), run::toString);
            assertTrue(run.err().contains("the same file as the input optionsFile"), run::toString);
            assertEquals(before, Files.readString(file));
        }
    }
}
