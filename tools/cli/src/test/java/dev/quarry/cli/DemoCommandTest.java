package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo runs end to end and its defaults mine fewer false negatives than plain top-k. */
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

    private static double rate(String out, String row) {
        Matcher m = Pattern.compile(Pattern.quote(row) + "\\s+[\\d,]+\\s+[\\d,]+\\s+([\\d.]+)%").matcher(out);
        assertTrue(m.find(), "row '" + row + "' in:\n" + out);
        return Double.parseDouble(m.group(1));
    }
}
