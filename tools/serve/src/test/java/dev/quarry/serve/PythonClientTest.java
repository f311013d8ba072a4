package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.cli.QuarryMain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python client (tools/python/quarry_client) against this server, not a stand-in: it mines, reads
 * the store, refreshes and meets a refusal, and its binary answer is what {@code quarry mine} writes.
 * Runs Debian's /usr/bin/python3, as the client's users do; numpy is optional for the client.
 */
class PythonClientTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path CHECK = Path.of("..", "python", "tests", "live_check.py").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void theClientMinesWhatQuarryMineWritesReadsTheStoreAndRefreshes() throws Exception {
        assertTrue(Files.isExecutable(PYTHON), "the client's tests need Debian's python3 (apt-get install python3)");
        ServeFixture.writeCatalog(dir, 5_000, 60, 16);
        Path answer = dir.resolve("answer.json");
        Process python;
        String log;
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(dir, null,
                dir.resolve("negatives.cmap"), ServeFixture.limits()))) {
            python = new ProcessBuilder(PYTHON.toString(), CHECK.toString(), "http://127.0.0.1:" + server.server().port(),
                    dir.toString(), answer.toString()).redirectErrorStream(true).start();
            boolean done = python.waitFor(120, TimeUnit.SECONDS);
            log = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!done) {
                python.destroyForcibly();
            }
            assertTrue(done, "the client finished: " + log);
        }
        assertEquals(0, python.exitValue(), log);
        Path mined = dir.resolve("mined.npy");
        assertEquals(0, QuarryMain.run("mine", "--corpus", dir.resolve("corpus.qvec").toString(), "--queries",
                dir.resolve("queries.qvec").toString(), "--qrels", dir.resolve("qrels.tsv").toString(), "--index",
                dir.resolve("corpus.qivf").toString(), "--nprobe", "4", "--num-negatives", "5", "--range-min", "3",
                "--output", mined.toString(), "--output-format", "npy"));
        int[] rows = ServeFixture.ints(ServeFixture.npyData(dir.resolve("mined.ids.npy")));
        int[] anchors = ServeFixture.ints(ServeFixture.npyData(dir.resolve("mined.anchors.npy")));
        String json = Files.readString(answer);
        // quarry mine writes anchors in row order; the client sent queries 0..39, which are labelled rows here
        assertEquals(0, anchors[0]);
        StringBuilder expected = new StringBuilder("{\"rows\": [");
        for (int a = 0; a < 40; a++) {
            assertEquals(a, anchors[a], "anchor rows 0..39 are all labelled");
            int[] negatives = Arrays.copyOfRange(rows, a * 5, a * 5 + 5);
            expected.append(a == 0 ? "" : ", ").append(Arrays.toString(negatives));
        }
        expected.append("]");
        assertTrue(json.startsWith(expected.toString()), "client: " + json + "\nquarry mine: " + expected);
    }
}
