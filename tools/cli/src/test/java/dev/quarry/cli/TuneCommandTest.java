package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
 * {@code quarry tune} as a user runs it: the table, an options file {@code quarry mine} reads to mine what the
 * same flags mine, and bad input refused with the right exit code before anything is written.
 */
class TuneCommandTest {
    @TempDir
    static Path catalog;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeCatalog() {
        new SyntheticCatalog(new CatalogSpec(1500, 300, 16, 15, 0.5, 3, 0.05, 5)).write(catalog);
    }

    private List<Object> tune(Object... more) throws IOException {
        Path candidates = dir.resolve("mine.candidates");
        Files.writeString(candidates, "# two candidates\n--range-max 40 --sampling-strategy random\n"
                + "--no-defences --num-negatives 2\n");
        List<Object> args = new ArrayList<>(List.of("tune", "--corpus", catalog.resolve("corpus.qvec"), "--queries",
                catalog.resolve("queries.qvec"), "--qrels", catalog.resolve("qrels.tsv"), "--truth",
                catalog.resolve("truth.tsv"), "--candidates", candidates, "--no-default-candidates", "--seeds", 2,
                "--epochs", 1, "--output", dir.resolve("best.json")));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void printsTheTableAndWritesAnOptionsFileThatMineReads() throws IOException {
        CliRun run = CliRun.of(tune("--json", dir.resolve("tune.json"), "--threads", 2).toArray());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("recall@10"), run::toString);
        assertTrue(run.out().contains("in-batch only (no mined negatives)"), run::toString);
        assertTrue(run.out().contains("--range-max 40 --sampling-strategy random"), run::toString);
        assertTrue(run.out().contains("known FN"), run::toString);
        assertTrue(run.err().contains("tune: train and evaluate"), "progress on stderr: " + run);
        Path options = dir.resolve("best.json");
        String text = Files.readString(options);
        assertTrue(text.contains("\"source\" : \"quarry tune: the best of 2 mining configurations"), text);
        String report = Files.readString(dir.resolve("tune.json"));
        assertTrue(report.contains("\"recall_at_10\""));
        // the best candidate's flags typed mine what the options file mines (the candidates are named by their flags)
        java.util.regex.Matcher best = java.util.regex.Pattern.compile("\"best\" : \"([^\"]*)\"").matcher(report);
        assertTrue(best.find(), report);

        List<Object> base = List.of("mine", "--corpus", catalog.resolve("corpus.qvec"), "--queries",
                catalog.resolve("queries.qvec"), "--qrels", catalog.resolve("qrels.tsv"));
        List<Object> viaFile = new ArrayList<>(base);
        viaFile.addAll(List.of("--options-file", options, "--output", dir.resolve("a.jsonl")));
        List<Object> typed = new ArrayList<>(base);
        typed.addAll(List.of(best.group(1).split(" ")));
        typed.addAll(List.of("--output", dir.resolve("b.jsonl")));
        CliRun a = CliRun.of(viaFile.toArray());
        CliRun b = CliRun.of(typed.toArray());
        assertEquals(0, a.exitCode(), a::toString);
        assertEquals(0, b.exitCode(), b::toString);
        assertArrayEquals(Files.readAllBytes(dir.resolve("b.jsonl")), Files.readAllBytes(dir.resolve("a.jsonl")));
    }

    @Test
    void trainingOptionsThatCannotTrainAreUsageErrors() throws IOException {
        for (Object[] bad : new Object[][] {{"--learning-rate", "NaN"}, {"--learning-rate", "-0.1"},
                {"--temperature", "0"}, {"--epochs", "0"}, {"--batch-size", "1"}, {"--seeds", "0"},
                {"--heldout-split", "1.5"}, {"--heldout-split", "300"}}) {
            CliRun run = CliRun.of(tune(bad).toArray());
            assertEquals(2, run.exitCode(), List.of(bad) + " " + run);
            assertTrue(run.err().contains(bad[0].toString()), List.of(bad) + " " + run);
            assertFalse(Files.exists(dir.resolve("best.json")));
        }
    }

    @Test
    void heldOutQueriesThatAreTrainingAnchorsAreRefusedWithExitThree() throws IOException {
        Path heldout = dir.resolve("heldout.tsv");
        Files.writeString(heldout, "q11\td3\t1\n");
        CliRun run = CliRun.of(tune("--heldout-qrels", heldout).toArray());
        assertEquals(3, run.exitCode(), run::toString);
        assertTrue(run.err().contains("anchor id=q11, expected held-out anchors that are not training anchors"),
                run::toString);
        assertFalse(Files.exists(dir.resolve("best.json")));
    }

    @Test
    void aCandidateWithItsOwnSeedOrABadValueIsBadDataNamedWithItsLine() throws IOException {
        Path candidates = dir.resolve("bad.candidates");
        for (String[] c : new String[][] {{"--range-max 30\n--seed 7\n", "line 2 --seed=7"},
                {"--relative-margin NaN\n", "line 1 --relative-margin=NaN"},
                {"--range-max 30\n--probe-margin 0.1\n", "line 2 --probe-margin=0.1"}}) {
            Files.writeString(candidates, c[0]);
            List<Object> args = tune();
            args.set(args.indexOf("--candidates") + 1, candidates);
            CliRun run = CliRun.of(args.toArray());
            assertEquals(3, run.exitCode(), run::toString);
            assertTrue(run.err().contains(c[1]), run::toString);
        }
    }

    @Test
    void tunesProbeMarginChoosesTheListsEveryCandidateIsMinedFrom() throws IOException {
        Path index = dir.resolve("corpus.qivf");
        CliRun built = CliRun.of("index", "build", "--store", catalog.resolve("corpus.qvec"), "--nlist", 16,
                "--output", index);
        assertEquals(0, built.exitCode(), built::toString);
        // margin 0 probes only each anchor's best list, whatever nprobe allows: what nprobe 1 mines
        CliRun margin = CliRun.of(tune("--index", index, "--nprobe", 4, "--probe-margin", 0,
                "--json", dir.resolve("margin.json")).toArray());
        CliRun one = CliRun.of(tune("--index", index, "--nprobe", 1, "--json", dir.resolve("one.json")).toArray());
        CliRun four = CliRun.of(tune("--index", index, "--nprobe", 4, "--json", dir.resolve("four.json")).toArray());
        for (CliRun run : List.of(margin, one, four)) {
            assertEquals(0, run.exitCode(), run::toString);
        }
        assertTrue(margin.out().contains("nprobe 4, probe margin 0.0"), margin::toString);
        assertEquals(rows(dir.resolve("one.json")), rows(dir.resolve("margin.json")));
        assertNotEquals(rows(dir.resolve("four.json")), rows(dir.resolve("one.json")),
                "nprobe 4 must mine something nprobe 1 does not, or the comparison above shows nothing");
    }

    @Test
    void aProbeMarginWithoutAnIndexIsAUsageError() throws IOException {
        CliRun run = CliRun.of(tune("--probe-margin", 0.1).toArray());
        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--probe-margin needs --index FILE.qivf"), run::toString);
        assertFalse(Files.exists(dir.resolve("best.json")));
    }

    /** The report's candidates (every figure of every one), without the setup that names the search. */
    private static String rows(Path json) throws IOException {
        String text = Files.readString(json);
        int start = text.indexOf("\"candidates\"");
        int end = text.lastIndexOf("\"mined_beats_in_batch\"");
        assertTrue(start >= 0 && end > start, text);
        return text.substring(start, end);
    }
}
