package dev.quarry.eval.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quarry.eval.EvalResult;
import dev.quarry.io.OutputFormat;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report: one self-contained file with a chart per finding, checked in a real headless
 * browser by {@code scripts/check-report.sh} when chromium is installed (CI installs it).
 */
class HtmlReportTest {
    private static final Path CHECK = Path.of("..", "scripts", "check-report.sh").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    /** 200 anchors, 3 negatives each, ranks and scores drawn at random; positives above the negatives. */
    private static AuditReport report(Path file) {
        SplittableRandom random = new SplittableRandom(5);
        List<AuditedAnchor> anchors = new ArrayList<>();
        for (int a = 0; a < 200; a++) {
            float[] scores = new float[3];
            int[] ranks = new int[3];
            for (int i = 0; i < 3; i++) {
                scores[i] = (float) (0.3 + 0.4 * random.nextDouble());
                ranks[i] = 10 + random.nextInt(90);
            }
            anchors.add(new AuditedAnchor("q<" + a + ">", List.of("p" + a), new float[] {(float) (0.7 + 0.3
                    * random.nextDouble())}, new int[] {random.nextInt(5)}, List.of("a" + a, "b" + a, "c" + a), scores,
                    ranks, a));
        }
        return new Auditor(0.1).audit(file, new MinedSetReader.MinedSet(OutputFormat.FLAG, anchors), null, null);
    }

    private static List<EvalResult> sweep() {
        List<EvalResult> results = new ArrayList<>();
        results.add(new EvalResult("flat", 0, new int[] {1, 10}, new double[] {0.9, 0.97}, new double[2],
                new double[2], 100, 1000));
        int[] nprobes = {1, 4, 16};
        for (int i = 0; i < nprobes.length; i++) {
            results.add(new EvalResult("ivf nprobe=" + nprobes[i], nprobes[i], new int[] {1, 10},
                    new double[] {0.7 + 0.06 * i, 0.8 + 0.08 * i}, new double[2], new double[2], 100, 5000));
        }
        return results;
    }

    private Path write() {
        Path html = dir.resolve("report.html");
        ReviewSheet.Estimate review = new ReviewSheet.Estimate(100, 3, WilsonInterval.of(3, 100, WilsonInterval.Z95),
                List.of());
        HtmlReport.write(html, report(dir.resolve("mined <set>.jsonl")), review, sweep());
        return html;
    }

    @Test
    void reportIsOneSelfContainedFileWithEveryChart() throws IOException {
        String html = Files.readString(write());
        for (String chart : List.of("id=\"scores\"", "id=\"ranks\"", "id=\"per-anchor\"", "id=\"recall\"")) {
            assertTrue(html.contains("<svg class=\"chart\" " + chart), chart);
        }
        for (String external : List.of("http://", "https://", "src=", "<link", "@import")) {
            assertFalse(html.contains(external), "external resource: " + external);
        }
        assertTrue(html.contains("Audit of " + dir.resolve("mined &lt;set&gt;.jsonl")), "file name escaped");
        assertFalse(html.contains("q<1>"));
        assertTrue(html.contains("3 of 100 reviewed negatives marked relevant"));
        assertTrue(html.contains("class=\"exact\""), "exact search drawn as the sweep's ceiling");
        assertTrue(html.contains("data-rendered=\"no\""), "rendered only once the script has checked the charts");
    }

    private static boolean chromiumInstalled() {
        String path = System.getenv("PATH");
        return path != null && List.of(path.split(File.pathSeparator)).stream()
                .anyMatch(d -> Files.isExecutable(Path.of(d, "chromium")));
    }

    /** Skips the calling test when chromium is missing, saying so on stderr (a skip is otherwise easy to miss). */
    private static void requireChromium(String test) {
        if (!chromiumInstalled()) {
            String message = "chromium is not installed (no chromium on the PATH): HtmlReportTest." + test
                    + " is skipped, the audit report is not opened in a browser; install it with"
                    + " scripts/check-report.sh --install";
            System.err.println("SKIPPED: " + message);
            assumeTrue(false, message);
        }
    }

    private static Process check(Path html, Path shot) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(CHECK.toString(), html.toString(), shot.toString()).redirectErrorStream(true)
                .start();
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), "the browser check did not finish");
        return p;
    }

    @Test
    void reportRendersInAHeadlessBrowserWithoutConsoleErrors() throws IOException, InterruptedException {
        requireChromium("reportRendersInAHeadlessBrowserWithoutConsoleErrors");
        Path shot = dir.resolve("report.png");
        Process p = check(write(), shot);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("4 charts, no console message"), output);
        byte[] png = Files.readAllBytes(shot);
        assertTrue(png.length > 10_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG screenshot");
    }

    @Test
    void browserCheckFailsOnAChartWithoutMarks() throws IOException, InterruptedException {
        requireChromium("browserCheckFailsOnAChartWithoutMarks");
        Path html = write();
        // Flatten every bar of the per-anchor chart: the page must notice and log an error.
        String text = Files.readString(html);
        int from = text.indexOf("id=\"per-anchor\"");
        int to = text.indexOf("</svg>", from);
        String flattened = text.substring(from, to).replaceAll("height=\"[0-9.]+\" fill", "height=\"0.0\" fill");
        Files.writeString(html, text.substring(0, from) + flattened + text.substring(to));
        Process p = check(html, dir.resolve("broken.png"));
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), output);
        assertTrue(output.contains("empty charts: 1"), output);
    }
}
