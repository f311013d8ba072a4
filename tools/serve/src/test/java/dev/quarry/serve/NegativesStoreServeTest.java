package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.negatives.NegativesStore;
import dev.quarry.negatives.StoredNegatives;
import dev.quarry.store.VectorStore;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server with a negatives store keeps every anchor mined with an id, and serves it back. */
class NegativesStoreServeTest {
    @TempDir
    Path dir;

    @Test
    void aRequestWithAnIdTheStoreCannotTakeIsRefusedAndStoresNothing() {
        ServeFixture.writeCatalog(dir, 3_000, 20, 16);
        Path storeFile = dir.resolve("negatives.cmap");
        Map<Integer, List<String>> qrels = ServeFixture.qrels(dir);
        StringBuilder json = new StringBuilder("{\"anchors\": [");
        try (VectorStore queries = VectorStore.open(dir.resolve("queries.qvec"))) {
            float[] row = new float[queries.dim()];
            for (int i = 0; i < 3; i++) {
                queries.copyRow(i, row);
                json.append(i == 0 ? "" : ",").append(java.util.Arrays.toString(row));
            }
        }
        json.append("], \"positives\": [\"").append(qrels.get(0).get(0)).append("\", \"").append(qrels.get(1).get(0))
                .append("\", \"").append(qrels.get(2).get(0)).append("\"], \"anchor_ids\": [\"a\", \"b\", \"\\ud800\"]}");
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(dir, null, storeFile,
                ServeFixture.limits()))) {
            HttpResponse<byte[]> refused = server.post("/v1/mine", "application/json",
                    json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(400, refused.statusCode(), ServeFixture.text(refused));
            assertTrue(ServeFixture.text(refused).contains("\"field\":\"anchor_ids[2]\""), ServeFixture.text(refused));
            assertTrue(ServeFixture.text(server.get("/v1/status")).contains("\"negatives_stored\":0"),
                    "nothing of a refused request is stored");
            String read = ServeFixture.text(server.get("/v1/negatives?anchor=a&anchor=b"));
            assertEquals("{\"negatives\":{\"a\":null,\"b\":null}}", read);
        }
    }

    @Test
    void anchorsMinedWithIdsAreStoredAndServed() {
        ServeFixture.writeCatalog(dir, 5_000, 20, 16);
        Path storeFile = dir.resolve("negatives.cmap");
        Map<Integer, List<String>> qrels = ServeFixture.qrels(dir);
        int[] rows = {0, 1, 2};
        List<List<String>> positives = List.of(qrels.get(0), qrels.get(1), qrels.get(2));
        byte[] answer;
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(dir, null, storeFile,
                ServeFixture.limits()));
             VectorStore queries = VectorStore.open(dir.resolve("queries.qvec"))) {
            HttpResponse<byte[]> mined = server.post("/v1/mine?n=3&with-anchor-ids=true", "application/octet-stream",
                    ServeFixture.binaryBody(queries, rows, positives, List.of("q0", "q1", "q\u00e9 2")));
            assertEquals(200, mined.statusCode(), ServeFixture.text(mined));
            answer = mined.body();
            HttpResponse<byte[]> read = server.get("/v1/negatives?anchor=q0&anchor=q%C3%A9%202&anchor=never");
            assertEquals(200, read.statusCode(), ServeFixture.text(read));
            String text = ServeFixture.text(read);
            int first = ByteBuffer.wrap(answer).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
            assertTrue(text.startsWith("{\"negatives\":{\"q0\":{\"ids\":[\"d" + first + "\""), text);
            assertTrue(text.contains("\"q\u00e9 2\":{\"ids\":["), text);
            assertTrue(text.contains("\"never\":null"), text);
            assertTrue(text.contains("\"index_version\":1,\"time\":"), text);
            assertTrue(ServeFixture.text(server.get("/v1/status")).contains("\"negatives_stored\":3"));
            assertEquals(400, server.get("/v1/negatives").statusCode());
        }
        // Another process (here: after the server closed it) opens the same file and reads what was written.
        try (NegativesStore store = NegativesStore.open(storeFile, 10_000)) {
            StoredNegatives q1 = store.get("q1");
            int second = ByteBuffer.wrap(answer).order(ByteOrder.LITTLE_ENDIAN).getInt(3 * 4);
            assertEquals("d" + second, q1.ids()[0]);
            assertEquals(1, q1.indexVersion());
            assertEquals(ByteBuffer.wrap(answer).order(ByteOrder.LITTLE_ENDIAN).getFloat(9 * 4 + 3 * 4), q1.scores()[0]);
        }
    }
}
