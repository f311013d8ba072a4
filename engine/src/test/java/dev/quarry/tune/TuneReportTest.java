package dev.quarry.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.eval.HeldoutRecall;
import dev.quarry.io.OptionsFile;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.MiningStats;
import dev.quarry.options.Door;
import dev.quarry.options.MineSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verdict of a tune run: the best mining configuration, and a warning, printed and kept in the options file,
 * when no mined configuration beats in-batch negatives alone.
 */
class TuneReportTest {
    private static TuneReport report(double mined, double inBatch) {
        MiningConfig config = MiningConfig.defaults().withRange(10, 50);
        MinedSetSummary summary = new MinedSetSummary(100, 300, 0, 2, 0.5, 1, new MiningStats(config));
        TuneReport.Row minedRow = new TuneReport.Row(new TuneCandidate("ranks [10, 50)", "--range-max 50", config),
                new double[] {mined, mined}, new double[] {0.5, 0.5}, new double[] {0.9, 0.9}, new double[] {1, 1},
                List.of(summary));
        TuneReport.Row baseline = new TuneReport.Row(TuneCandidate.inBatchOnly(), new double[] {inBatch, inBatch},
                new double[] {0.5, 0.5}, new double[] {0.9, 0.9}, new double[] {1, 1}, List.of());
        TuneReport.Setup setup = new TuneReport.Setup(100, 20, "a split", 1000, 8, "exact search",
                new TrainingOptions(0.05, 1e-3, 2, 64), 7, 2, false);
        return new TuneReport(List.of(minedRow, baseline), 1, 0, new HeldoutRecall(0.5, 0.8, 0.4, 20), setup, 1);
    }

    private static String printed(TuneReport r) {
        StringWriter out = new StringWriter();
        r.print(new PrintWriter(out, true));
        return out.toString();
    }

    @Test
    void aMinedSetThatBeatsInBatchOnlyGetsNoWarning() {
        TuneReport r = report(0.80, 0.70);
        assertTrue(r.minedBeatsInBatch());
        assertNull(r.warning());
        assertFalse(printed(r).contains("warning"), printed(r));
    }

    @Test
    void whenNoMinedSetBeatsInBatchOnlyTheWarningIsPrintedAndKeptInTheOptionsFile(@TempDir Path dir)
            throws IOException {
        for (double mined : new double[] {0.60, 0.70}) { // below, and level with in-batch only: no better
            TuneReport r = report(mined, 0.70);
            assertFalse(r.minedBeatsInBatch());
            assertTrue(r.warning().startsWith("no mined configuration beats in-batch only (best: ranks [10, 50),"
                    + String.format(java.util.Locale.ROOT, " recall@10 %.4f against 0.7000)", mined)), r.warning());
            assertTrue(printed(r).contains("warning: " + r.warning()), printed(r));
            Path file = dir.resolve("best-" + mined + ".json");
            OptionsFile.write(file, r.bestOptions(), r.source(), r.warning());
            assertTrue(Files.readString(file).contains("\"warning\" : \"no mined configuration beats in-batch only"));
            assertEquals(50, OptionsFile.read(file, Door.CLI).get(MineSettings.RANGE_MAX),
                    "the best mining configuration is still written, with the warning beside it");
            assertEquals(7L, OptionsFile.read(file, Door.CLI).get(MineSettings.SEED), "with the run's first seed");
        }
    }
}
