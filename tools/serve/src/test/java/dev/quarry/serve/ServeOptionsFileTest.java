package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.cli.QuarryMain;
import dev.quarry.io.OptionsFile;
import dev.quarry.options.Door;
import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import dev.quarry.store.VectorStore;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quarry serve --options-file}: a call that leaves settings out takes the file's (what {@code quarry tune}
 * wrote), a call's own settings win, and a file that is not such options stops the server before it starts.
 */
class ServeOptionsFileTest {
    private static final String BINARY = "application/octet-stream";

    @Test
    void callsThatLeaveSettingsOutTakeTheFilesAndTheirOwnWin(@TempDir Path dir) throws IOException {
        ServeFixture.writeCatalog(dir, 5_000, 32, 16);
        Path file = dir.resolve("best.json");
        OptionsFile.write(file, MineOptions.builder().set(MineSettings.NUM_NEGATIVES, 2)
                .set(MineSettings.RANGE_MIN, 3).set(MineSettings.RANGE_MAX, 40).build(), "a test", null);
        ServeSettings base = ServeFixture.settings(dir, null, null, ServeFixture.limits());
        ServeSettings tuned = new ServeSettings(base.corpus(), base.index(), null, base.host(), 0, null, null,
                base.storeAnchors(), base.search(), base.limits(), dir, 2, base.preset(), base.workDir(),
                base.heldout(), OptionsFile.read(file, Door.HTTP));
        int[] rows = new int[16];
        Arrays.setAll(rows, i -> i);
        Map<Integer, List<String>> qrels = ServeFixture.qrels(dir);
        byte[] body;
        try (VectorStore queries = VectorStore.open(dir.resolve("queries.qvec"))) {
            body = ServeFixture.binaryBody(queries, rows, Arrays.stream(rows).mapToObj(qrels::get).toList(), null);
        }
        try (ServeFixture.Running server = ServeFixture.Running.start(tuned)) {
            HttpResponse<byte[]> fromFile = server.post("/v1/mine?n=16", BINARY, body);
            HttpResponse<byte[]> typed = server.post("/v1/mine?n=16&num_negatives=2&range_min=3&range_max=40", BINARY,
                    body);
            HttpResponse<byte[]> own = server.post("/v1/mine?n=16&num_negatives=4", BINARY, body);
            assertEquals(200, fromFile.statusCode(), ServeFixture.text(fromFile));
            assertEquals(200, own.statusCode(), ServeFixture.text(own));
            assertArrayEquals(typed.body(), fromFile.body(), "the file's settings are the call's");
            assertEquals(16 * 2 * 8, fromFile.body().length, "2 negatives per anchor: ids and scores");
            assertEquals(16 * 4 * 8, own.body().length, "the call's num_negatives wins over the file's");
            String status = ServeFixture.text(server.get("/v1/status"));
            assertTrue(status.contains("\"default_options\":{") && status.contains("\"range_max\":\"40\""), status);
        }
        try (ServeFixture.Running plain = ServeFixture.Running.start(base)) {
            HttpResponse<byte[]> defaults = plain.post("/v1/mine?n=16", BINARY, body);
            assertEquals(16 * 3 * 8, defaults.body().length, "without a file, the schema's defaults");
            assertTrue(ServeFixture.text(plain.get("/v1/status")).contains("\"default_options\":{}"));
        }
    }

    @Test
    void aRecallDropTightensOnTopOfTheFilesSettingsAndNeverLoosensThem() {
        MineOptions file = MineOptions.builder().set(MineSettings.NUM_NEGATIVES, 2).set(MineSettings.RANGE_MIN, 3)
                .set(MineSettings.RANGE_MAX, 40).set(MineSettings.RELATIVE_MARGIN, 0.2).build();
        MineOptions tightened = RecallMonitor.tightened(file);
        assertEquals(2, tightened.get(MineSettings.NUM_NEGATIVES), "the file's settings stay");
        assertEquals(3, tightened.get(MineSettings.RANGE_MIN));
        assertEquals(40, tightened.get(MineSettings.RANGE_MAX));
        assertEquals(0.2, tightened.get(MineSettings.RELATIVE_MARGIN), "the file's stricter margin is kept");
        assertEquals(0.85, tightened.get(MineSettings.NEAR_DUPLICATE), "the safer near-duplicate cosine");
        assertEquals("random", tightened.get(MineSettings.SAMPLING_STRATEGY));
        MineOptions off = MineOptions.builder().set(MineSettings.NO_DEFENCES, true)
                .set(MineSettings.NEAR_DUPLICATE, 0.8).build();
        MineOptions safer = RecallMonitor.tightened(off);
        assertEquals(0.1, safer.get(MineSettings.RELATIVE_MARGIN), "a margin turned off is turned on");
        assertEquals(0.8, safer.get(MineSettings.NEAR_DUPLICATE), "the file's lower cosine is kept");
        assertEquals(RecallMonitor.TIGHTENED, RecallMonitor.tightened(MineOptions.defaults()));
    }

    @Test
    void aFileWhoseRankWindowTheCorpusCannotFillStopsTheServer(@TempDir Path dir) throws IOException {
        ServeFixture.writeCatalog(dir, 2_000, 8, 16);
        Path file = dir.resolve("deep.json");
        Files.writeString(file, "{\"options\": {\"range_max\": 5000}}");
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cmd = QuarryMain.commandLine();
        cmd.setOut(new java.io.PrintWriter(new java.io.StringWriter()));
        cmd.setErr(new java.io.PrintWriter(err, true));
        int code = cmd.execute("serve", "--corpus", dir.resolve("corpus.qvec").toString(), "--bind", "127.0.0.1:0",
                "--options-file", file.toString());
        assertEquals(3, code, err.toString());
        assertTrue(err.toString().contains(file + ": options.range_max=5000, expected at most the corpus size"),
                err.toString());
        assertFalse(err.toString().contains("listening"), err.toString());
    }

    @Test
    void aFileThatIsNotOptionsStopsTheServerBeforeItStarts(@TempDir Path dir) throws IOException {
        Path corpus = dir.resolve("corpus.qvec");
        Files.write(corpus, new byte[0]); // never opened: the options file is refused first
        String[][] cases = {
            {"{\"options\": {\"output_format\": \"npy\"}}", "options.output_format=npy, expected a setting http takes"},
            {"{\"options\": {\"range_mni\": 3}}", "options.range_mni=3, expected a setting of the request schema"},
            {"--range-max 50\n", "file=unreadable ("},
        };
        for (String[] c : cases) {
            Path file = dir.resolve("bad.json");
            Files.writeString(file, c[0]);
            java.io.StringWriter err = new java.io.StringWriter();
            picocli.CommandLine cmd = QuarryMain.commandLine();
            cmd.setOut(new java.io.PrintWriter(new java.io.StringWriter()));
            cmd.setErr(new java.io.PrintWriter(err, true));
            int code = cmd.execute("serve", "--corpus", corpus.toString(), "--bind", "127.0.0.1:0", "--options-file",
                    file.toString());
            assertEquals(3, code, c[0] + ": " + err);
            assertTrue(err.toString().contains(file + ": " + c[1]), c[0] + ": " + err);
            assertFalse(err.toString().contains("listening"), err.toString());
        }
    }
}
