package dev.quarry.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nlist x nprobe sweep (bench/mine_e2e.sh) keeps each recall row's coarse stage: an index with a centroid graph
 * gets a row per stage at every nprobe from {@code quarry index recall}, and the report labels each line by its stage.
 */
class SweepRecallRowsTest {
    /** A table as {@code quarry index recall} prints it for an index with a centroid graph. */
    private static final String TABLE = """
            recall@100 against exact search, 2000 queries, one call, 2 threads; anchors/min of a batch search
            ivf nlist=1024 (quarry-nlist1024.qivf)
              nprobe     recall    queries/s    queries/min coarse    ef    anchors/min    anchors MFLOP/anchor    GFLOP/s
                   1     0.9431         1880         112.8k  exact     -          1.75M     131072         1.56       45.7
                   2     0.9537         6896         413.8k  exact     -          1.29M      65536         2.31       49.6
                   1     0.9402         4251         255.1k  graph    96              -          -            -          -
                   2     0.9511         3859         231.6k  graph    96              -          -            -          -
            """;

    @TempDir
    Path dir;

    @Test
    void everyRecallRowCarriesItsCoarseStage() throws Exception {
        Path table = Files.writeString(dir.resolve("table.txt"), TABLE);
        assertEquals(List.of("1 0.9431 exact", "2 0.9537 exact", "1 0.9402 graph", "2 0.9511 graph"),
                sweepLib("recall_table_rows " + table));
    }

    @Test
    void theTargetsNprobeIsTheFirstStagesNotAGraphRows() throws Exception {
        // The graph row at nprobe 1 would reach 0.94 first by line order if stages were mixed; exact reaches it at 2.
        Path table = Files.writeString(dir.resolve("table.txt"), TABLE.replace("0.9431", "0.9301"));
        assertEquals(List.of("2 0.9537"), sweepLib("recall_table_nprobe " + table + " 0.94"));
        assertEquals(List.of(), sweepLib("recall_table_nprobe " + table + " 0.96"));
    }

    @Test
    void aTableWithoutTheColumnStillGivesItsRows() throws Exception {
        Path table = Files.writeString(dir.resolve("old.txt"), """
                  nprobe     recall    queries/s
                       4     0.9100         1000
                """);
        assertEquals(List.of("4 0.9100 -"), sweepLib("recall_table_rows " + table));
    }

    @Test
    void theReportLabelsQuarrysRecallLinesByCoarseStage() throws Exception {
        Path results = Files.writeString(dir.resolve("results.jsonl"), String.join("\n",
                line("exact", 1, 0.9431), line("exact", 2, 0.9537), line("graph", 1, 0.9402),
                line("graph", 2, 0.9511)) + "\n");
        List<String> report = run(List.of("/usr/bin/python3", "mine_e2e_report.py", results.toString(), "test", "0.95"));
        List<String> recallLines = report.stream().filter(l -> l.startsWith("| 1024 |")).toList();
        assertEquals(List.of("| 1024 | quarry, exact coarse stage | 1: 0.943, 2: 0.954 |",
                "| 1024 | quarry, graph coarse stage | 1: 0.940, 2: 0.951 |"), recallLines, String.join("\n", report));
    }

    private static String line(String coarse, int nprobe, double recall) {
        return String.format(java.util.Locale.ROOT, "{\"engine\": \"quarry\", \"what\": \"recall\", \"set\": \"s\","
                + " \"nlist\": 1024, \"nlist_option\": \"1024\", \"nprobe\": %d, \"recall\": %s, \"coarse\": \"%s\"}",
                nprobe, recall, coarse);
    }

    /** Runs one of bench/sweep_lib.sh's functions (sourced with ROOT in a temp dir, where it makes its data dir). */
    private List<String> sweepLib(String call) throws Exception {
        Path lib = Path.of("sweep_lib.sh").toAbsolutePath();
        return run(List.of("bash", "-c", "set -euo pipefail; ROOT='" + dir + "'; source '" + lib + "'; " + call));
    }

    private static List<String> run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), command + ":\n" + out);
        return out.lines().toList();
    }
}
