package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.cli.QuarryMain;
import dev.quarry.store.VectorStore;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POST /v1/mine answers what {@code quarry mine} writes for the same anchors and options, in both shapes. */
class ServeMineTest {
    private static final String BINARY = "application/octet-stream";

    @TempDir
    static Path dir;

    @TempDir
    Path out;

    private static ServeFixture.Running server;
    private static VectorStore queries;

    @BeforeAll
    static void start() {
        ServeFixture.writeCatalog(dir, 20_000, 300, 32);
        server = ServeFixture.Running.start(ServeFixture.settings(dir, null, null, ServeFixture.limits()));
        queries = VectorStore.open(dir.resolve("queries.qvec"));
    }

    @AfterAll
    static void stop() {
        queries.close();
        server.close();
    }

    /** Runs quarry mine with npy output and the given options; returns {ids, scores, anchors} data bytes. */
    private byte[][] quarryMine(String... options) throws IOException {
        Path output = out.resolve("mined.npy");
        String[] base = {"mine", "--corpus", dir.resolve("corpus.qvec").toString(), "--queries",
                dir.resolve("queries.qvec").toString(), "--qrels", dir.resolve("qrels.tsv").toString(), "--index",
                dir.resolve("corpus.qivf").toString(), "--output", output.toString(), "--output-format", "npy",
                "--threads", "2"};
        String[] args = Arrays.copyOf(base, base.length + options.length);
        System.arraycopy(options, 0, args, base.length, options.length);
        assertEquals(0, QuarryMain.run(args));
        return new byte[][] {ServeFixture.npyData(out.resolve("mined.ids.npy")), ServeFixture.npyData(out.resolve("mined.scores.npy")),
                ServeFixture.npyData(out.resolve("mined.anchors.npy"))};
    }

    private static List<List<String>> positivesOf(int[] rows) {
        Map<Integer, List<String>> qrels = ServeFixture.qrels(dir);
        return Arrays.stream(rows).mapToObj(qrels::get).toList();
    }

    @Test
    void binaryAnswerIsByteForByteWhatQuarryMineWrites() throws IOException {
        assertSameAnswer(quarryMine("--nprobe", "4", "--num-negatives", "5", "--range-min", "3"),
                "nprobe=4&num-negatives=5&range-min=3");
    }

    @Test
    void aProbeMarginInTheRequestProbesAsQuarryMinesDoes() throws IOException {
        byte[][] one = quarryMine("--nprobe", "1", "--num-negatives", "5");
        byte[][] margin = quarryMine("--nprobe", "4", "--probe-margin", "0.02", "--num-negatives", "5");
        byte[][] every = quarryMine("--nprobe", "4", "--num-negatives", "5");
        assertFalse(Arrays.equals(one[0], margin[0]) || Arrays.equals(every[0], margin[0]),
                "a margin between nprobe 1 and 4 on this catalog, or the check below proves nothing");
        assertSameAnswer(margin, "nprobe=4&probe_margin=0.02&num-negatives=5");
    }

    private void assertSameAnswer(byte[][] mined, String options) {
        int[] rows = ServeFixture.ints(mined[2]);
        assertEquals(300, rows.length);
        HttpResponse<byte[]> answer = server.post("/v1/mine?n=" + rows.length + "&" + options,
                BINARY, ServeFixture.binaryBody(queries, rows, positivesOf(rows), null));
        assertEquals(200, answer.statusCode(), ServeFixture.text(answer));
        assertEquals("1", answer.headers().firstValue("Quarry-Index-Version").orElseThrow());
        assertEquals("5", answer.headers().firstValue("Quarry-Negatives").orElseThrow());
        byte[] body = answer.body();
        assertEquals(mined[0].length + mined[1].length, body.length);
        assertArrayEquals(mined[0], Arrays.copyOfRange(body, 0, mined[0].length), "negatives");
        assertArrayEquals(mined[1], Arrays.copyOfRange(body, mined[0].length, body.length), "scores");
    }

    @Test
    void jsonAnswerNamesTheSameNegativesByTheirIds() throws IOException {
        byte[][] mined = quarryMine("--nprobe", "4", "--sampling-strategy", "random", "--seed", "9");
        int[] rows = Arrays.copyOf(ServeFixture.ints(mined[2]), 20);
        int[] negatives = ServeFixture.ints(mined[0]);
        StringBuilder json = new StringBuilder("{\"nprobe\": 4, \"sampling_strategy\": \"random\", \"seed\": 9,"
                + " \"anchors\": [");
        float[] row = new float[queries.dim()];
        List<List<String>> positives = positivesOf(rows);
        for (int i = 0; i < rows.length; i++) {
            queries.copyRow(rows[i], row);
            json.append(i == 0 ? "" : ",").append(Arrays.toString(row));
        }
        json.append("], \"positives\": [");
        for (int i = 0; i < rows.length; i++) {
            json.append(i == 0 ? "" : ",").append('"').append(positives.get(i).get(0)).append('"');
        }
        json.append("]}");
        HttpResponse<byte[]> answer = server.post("/v1/mine", "application/json",
                json.toString().getBytes(StandardCharsets.UTF_8));
        assertEquals(200, answer.statusCode(), ServeFixture.text(answer));
        String text = ServeFixture.text(answer);
        StringBuilder expected = new StringBuilder("\"negatives\":[");
        for (int i = 0; i < rows.length; i++) {
            expected.append(i == 0 ? "[" : ",[");
            for (int j = 0; j < 3 && negatives[i * 3 + j] >= 0; j++) {
                expected.append(j == 0 ? "" : ",").append("\"d").append(negatives[i * 3 + j]).append('"');
            }
            expected.append(']');
        }
        assertTrue(text.contains(expected + "]"), text);
        assertTrue(text.startsWith("{\"index_version\":1,"), text);
    }

    @Test
    void badOptionsAnswer400NamingTheField() {
        int[] rows = {0, 1};
        byte[] body = ServeFixture.binaryBody(queries, rows, positivesOf(rows), null);
        assertError(server.post("/v1/mine?n=2&bogus=1", BINARY, body), "bogus", "1", "one of the mining options");
        assertError(server.post("/v1/mine?n=2&num-negatives=abc", BINARY, body), "num_negatives", "abc", "an integer");
        assertError(server.post("/v1/mine?n=2&relative_margin=NaN", BINARY, body), "relative_margin", "NaN",
                "a finite number (or off)");
        assertError(server.post("/v1/mine?n=2&range-min=50&range-max=10", BINARY, body), "range_min", "50",
                "0 <= range_min < range_max = 10");
        assertError(server.post("/v1/mine?n=2&nprobe=33", BINARY, body), "nprobe", "33", "1 <= nprobe <= nlist=32");
        assertError(server.post("/v1/mine?n=2&format=xml", BINARY, body), "format", "xml", "binary or json");
    }

    @Test
    void optionsAreRefusedAsTheCommandLineRefusesThemBeforeAnyMining() {
        int[] rows = {0, 1};
        byte[] body = ServeFixture.binaryBody(queries, rows, positivesOf(rows), null);
        assertError(server.post("/v1/mine?n=2&nprobe=0", BINARY, body), "nprobe", "0", ">= 1");
        // a rank window deeper than the corpus is refused at once, before anything is sized by it
        assertError(server.post("/v1/mine?n=2&range_max=2000000000", BINARY, body), "range_max", "2000000000",
                "at most the corpus size");
        assertError(server.post("/v1/mine?n=2&num_negatives=4&num-negatives=5", BINARY, body), "num_negatives", "",
                "one value");
        assertError(server.post("/v1/mine", "application/json", ("{\"anchors\": [], \"positives\": [],"
                + " \"num_negatives\": 4, \"num-negatives\": 5}").getBytes(StandardCharsets.UTF_8)),
                "num_negatives", "", "one value");
        assertError(server.post("/v1/mine?n=2&output_format=npy", BINARY, body), "output_format", "npy",
                "one of the mining options");
    }

    @Test
    void badBodiesAnswer400NamingTheField() {
        int[] rows = {0, 1};
        List<List<String>> positives = positivesOf(rows);
        byte[] body = ServeFixture.binaryBody(queries, rows, positives, null);
        assertError(server.post("/v1/mine?n=3", BINARY, body), "", "", "");
        assertError(server.post("/v1/mine", BINARY, body), "n", "", "the number of anchors");
        assertError(server.post("/v1/mine?n=513", BINARY, body), "n", "513", "0 <= n <= 512");
        byte[] nan = body.clone();
        ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(3 * 4, Float.NaN);
        assertError(server.post("/v1/mine?n=2", BINARY, nan), "anchors[0][3]", "NaN", "a finite float32");
        byte[] unknown = ServeFixture.binaryBody(queries, rows, List.of(List.of("nope"), positives.get(1)), null);
        assertError(server.post("/v1/mine?n=2", BINARY, unknown), "positives[0]", "nope", "ids of the corpus");
        byte[] fewLines = ServeFixture.binaryBody(queries, rows, List.of(positives.get(0)), null);
        assertError(server.post("/v1/mine?n=2", BINARY, fewLines), "positives", "1 lines", "2 lines");
        assertError(server.post("/v1/mine", "application/json", "{\"anchors\": [[1, 2]], \"positives\": [\"d1\"]}"
                .getBytes(StandardCharsets.UTF_8)), "anchors[0]", "2 numbers", "32 numbers");
        assertError(server.post("/v1/mine", "application/json", "{\"anchors\": [".getBytes(StandardCharsets.UTF_8)),
                "body", "malformed JSON", "a JSON object");
    }

    private static void assertError(HttpResponse<byte[]> answer, String field, String value, String expected) {
        String text = ServeFixture.text(answer);
        assertEquals(400, answer.statusCode(), text);
        assertTrue(text.startsWith("{\"error\":\"bad_request\""), text);
        if (!field.isEmpty()) {
            assertTrue(text.contains("\"field\":\"" + field + "\""), text);
            assertTrue(text.contains("\"value\":\"" + value), text);
            assertTrue(text.contains("\"expected\":\"" + expected), text);
        }
        assertTrue(!text.contains("at dev.quarry") && !text.contains("Exception"), "no stack trace: " + text);
    }

    @Test
    void everyAnswerSaysWhereItsTimeWentInTheServer() {
        int[] rows = {0, 1, 2, 3};
        HttpResponse<byte[]> answer = server.post("/v1/mine?n=" + rows.length, BINARY,
                ServeFixture.binaryBody(queries, rows, positivesOf(rows), null));
        assertEquals(200, answer.statusCode(), ServeFixture.text(answer));
        String timing = answer.headers().firstValue("Server-Timing").orElseThrow();
        List<String> names = new java.util.ArrayList<>();
        double sum = 0;
        for (String metric : timing.split(",")) {
            String[] parts = metric.trim().split(";dur=");
            assertEquals(2, parts.length, timing);
            double ms = Double.parseDouble(parts[1]);
            assertTrue(ms >= 0 && ms < 60_000, timing);
            names.add(parts[0]);
            sum += ms;
        }
        assertEquals(List.of("read", "decode", "queue", "handoff", "mine", "return", "encode"), names);
        assertTrue(sum > 0, timing);
        String anchor = String.join(",", java.util.Collections.nCopies(32, "0.1"));
        HttpResponse<byte[]> json = server.post("/v1/mine", "application/json",
                ("{\"anchors\": [[" + anchor + "]], \"positives\": [[]]}").getBytes(StandardCharsets.UTF_8));
        assertEquals(200, json.statusCode(), ServeFixture.text(json));
        assertTrue(json.headers().firstValue("Server-Timing").orElseThrow().startsWith("read;dur="));
    }

    @Test
    void anEmptyRequestGetsAnEmptyAnswer() {
        HttpResponse<byte[]> answer = server.post("/v1/mine?n=0", BINARY, new byte[0]);
        assertEquals(200, answer.statusCode(), ServeFixture.text(answer));
        assertEquals(0, answer.body().length);
    }

    @Test
    void healthStatusMetricsAndUnknownRoutes() {
        assertEquals("{\"status\":\"ok\"}", ServeFixture.text(server.get("/v1/health")));
        String status = ServeFixture.text(server.get("/v1/status"));
        assertTrue(status.contains("\"index_version\":1") && status.contains("\"rows\":") && status.contains("\"dim\":32")
                && status.contains("\"nlist\":32") && status.contains("\"refreshing\":false"), status);
        server.post("/v1/mine?n=0", BINARY, new byte[0]);
        String metrics = ServeFixture.text(server.get("/metrics"));
        assertTrue(metrics.contains("quarry_requests_total{route=\"mine\",status=\"200\"}"), metrics);
        assertTrue(metrics.contains("quarry_mine_latency_seconds_bucket"), metrics);
        assertTrue(metrics.contains("quarry_queue_depth"), metrics);
        assertTrue(metrics.contains("quarry_index_version 1.0"), metrics);
        assertTrue(metrics.contains("quarry_refreshes_total{result=\"ok\"} 0.0"), metrics);
        HttpResponse<byte[]> missing = server.get("/v2/nothing");
        assertEquals(404, missing.statusCode());
        assertTrue(ServeFixture.text(missing).contains("\"error\":\"not_found\""), ServeFixture.text(missing));
        HttpResponse<byte[]> noStore = server.get("/v1/negatives?anchor=q1");
        assertEquals(404, noStore.statusCode());
        assertTrue(ServeFixture.text(noStore).contains("--negatives-store"), ServeFixture.text(noStore));
    }
}
