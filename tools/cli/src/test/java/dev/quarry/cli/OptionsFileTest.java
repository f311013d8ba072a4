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
 * {@code quarry mine --options-file}: the file's options mine what the same flags typed would, the command
 * line wins over the file, and a file that is not options, or that the run would overwrite, is refused.
 */
class OptionsFileTest {
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

    private Path options(String text) throws IOException {
        Path file = dir.resolve("best-" + Integer.toHexString(text.hashCode()) + ".options");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void theFilesOptionsMineWhatTheSameFlagsTypedMine() throws IOException {
        Path file = options("# from quarry tune\n--range-max 50   --sampling-strategy random\n--widen-to 200\n"
                + "--leave-out-short\n--simans-b -0.2 # unused by random sampling\n");
        CliRun typed = CliRun.of(mine(dir.resolve("typed.jsonl"), "--range-max", 50, "--sampling-strategy", "random",
                "--widen-to", 200, "--leave-out-short", "--simans-b", -0.2).toArray());
        CliRun read = CliRun.of(mine(dir.resolve("read.jsonl"), "--options-file", file).toArray());
        assertEquals(0, typed.exitCode(), typed::toString);
        assertEquals(0, read.exitCode(), read::toString);
        assertArrayEquals(Files.readAllBytes(dir.resolve("typed.jsonl")), Files.readAllBytes(dir.resolve("read.jsonl")));
        assertTrue(read.out().contains("sampling-strategy=random seed=42 shortfall=widen-to-200+leave-out"), read::toString);
    }

    @Test
    void optionsOnTheCommandLineWinOverTheFile() throws IOException {
        Path file = options("--num-negatives 2 --range-min 4\n");
        CliRun run = CliRun.of(mine(dir.resolve("m.jsonl"), "--options-file", file, "--num-negatives", 5,
                "--output-format", "n-tuple").toArray());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("num-negatives=5 range=[4, 100)"), run::toString);
        assertTrue(Files.readAllLines(dir.resolve("m.jsonl")).getFirst().contains("\"negative_5\""));
        CliRun clash = CliRun.of(mine(dir.resolve("c.jsonl"), "--options-file", options("--range-max 50\n"),
                "--range-min", 60).toArray());
        assertEquals(2, clash.exitCode(), clash::toString);
        assertTrue(clash.err().contains("(with the options of "), clash::toString);
    }

    @Test
    void aFileThatIsNotOptionsIsBadDataNamedWithItsLine() throws IOException {
        String[][] cases = {
            {"--range-max 50\nrange-min 3\n", "line 2=range-min, expected quarry mine options"},
            {"--corpus other.qvec\n", "line 1 --corpus=other.qvec, expected one of the mining options"},
            {"--relative-margin NaN\n", "line 1 --relative-margin=NaN, expected a finite number (or off)"},
            {"--seed 1\n--seed 2\n", "line 2 --seed=2, expected each option once in the file"},
            {"--range-max 5\n", "line 1=--range-max 5, expected 0 <= --range-min < --range-max"},
        };
        for (String[] c : cases) {
            CliRun run = CliRun.of(mine(dir.resolve("x.jsonl"), "--options-file", options(c[0])).toArray());
            assertEquals(3, run.exitCode(), c[0] + run);
            assertTrue(run.err().contains(c[1]), c[0] + run);
            assertFalse(Files.exists(dir.resolve("x.jsonl")));
        }
        CliRun missing = CliRun.of(mine(dir.resolve("x.jsonl"), "--options-file", dir.resolve("none.options"))
                .toArray());
        assertEquals(3, missing.exitCode(), missing::toString);
    }

    @Test
    void theRunNeverWritesOverItsOptionsFile() throws IOException {
        Path file = options("--range-max 50\n");
        Path link = dir.resolve("link.jsonl");
        Files.createSymbolicLink(link, file);
        for (Path output : List.of(file, link)) {
            CliRun run = CliRun.of(mine(output, "--options-file", file).toArray());
            assertEquals(3, run.exitCode(), run::toString);
            assertTrue(run.err().contains("the same file as the input optionsFile"), run::toString);
            assertEquals("--range-max 50\n", Files.readString(file));
        }
    }
}
