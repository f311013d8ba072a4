package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo runs end to end and its defaults mine fewer false negatives than plain top-k; it says whether its
 * catalog is temporary and names it only when it is kept.
 */
class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void defaultFiltersLowerTheFalseNegativeRate() {
        CliRun run = CliRun.of("demo", "--docs", 5000, "--anchors", 500, "--dim", 32, "--workdir", dir);
        assertEquals(0, run.exitCode(), run::toString);
        double filtered = rate(run.out(), "defaults (skip 10, margin, near-dup)");
        double plain = rate(run.out(), "no filters (plain top-k)");
        assertTrue(plain > 10, "planted positives are mined by plain top-k: " + plain + "%\n" + run);
        assertTrue(filtered < plain, "the defaults must mine fewer false negatives: " + filtered + " vs " + plain);
        assertTrue(run.out().contains("anchors/s"), run::toString);
    }

    @Test
    void aTemporaryCatalogIsAnnouncedAsSuchAndItsPathIsNeverPrinted() {
        CliRun run = CliRun.of("demo", "--docs", 3000, "--anchors", 300, "--dim", 16, "--index", "flat");
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("into a temporary directory, deleted at the end (--keep keeps it"), run::toString);
        assertFalse(run.toString().contains("quarry-demo"), "no path of a directory that is deleted: " + run);
        assertFalse(run.out().contains("next: audit"), run::toString);
    }

    @Test
    void aKeptCatalogIsNamedWithHowToAuditIt() throws IOException {
        CliRun run = CliRun.of("demo", "--docs", 3000, "--anchors", 300, "--dim", 16, "--index", "flat", "--keep");
        assertEquals(0, run.exitCode(), run::toString);
        Matcher m = Pattern.compile("catalog written to (\\S+) in [\\d.]+s \\(kept\\)").matcher(run.out());
        assertTrue(m.find(), run::toString);
        Path kept = Path.of(m.group(1));
        try {
            assertTrue(Files.isRegularFile(kept.resolve("corpus.qvec")), run::toString);
            assertTrue(Files.isRegularFile(kept.resolve("mined-unfiltered.jsonl")), run::toString);
            assertTrue(run.out().contains("next: audit the unfiltered set against the planted truth:"), run::toString);
            assertTrue(run.out().contains("./quarry audit " + kept.resolve("mined-unfiltered.jsonl")), run::toString);
            assertFalse(run.out().contains("deleted"), run::toString);
        } finally {
            DemoCommand.deleteTree(kept);
        }
    }

    private static double rate(String out, String row) {
        Matcher m = Pattern.compile(Pattern.quote(row) + "\\s+[\\d,]+\\s+[\\d,]+\\s+([\\d.]+)%").matcher(out);
        assertTrue(m.find(), "row '" + row + "' in:\n" + out);
        return Double.parseDouble(m.group(1));
    }
}
