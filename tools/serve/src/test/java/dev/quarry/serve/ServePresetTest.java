package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.quarry.index.SearchParams;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.mining.Miner;
import dev.quarry.mining.MinerPreset;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quarry serve --preset latency}: calls that give no nprobe use the one the preset measured. */
class ServePresetTest {
    @Test
    void callsWithoutNprobeUseThePresetsChoice(@TempDir Path dir) throws IOException {
        ServeFixture.writeCatalog(dir, 20_000, 64, 32);
        ServeSettings base = ServeFixture.settings(dir, null, null, ServeFixture.limits());
        ServeSettings latency = new ServeSettings(base.corpus(), base.index(), null, base.host(), 0, null, null,
                base.storeAnchors(), new SearchParams(2, 0), base.limits(), dir, 2, MinerPreset.LATENCY, base.workDir(),
                base.heldout());
        int expected;
        try (VectorStore corpus = VectorStore.open(base.corpus());
             IvfIndex ivf = IvfIndex.open(base.index(), corpus, VectorKernelsProvider.get());
             Miner miner = Miner.builder(corpus).index(ivf).search(new SearchParams(2, 0)).preset(MinerPreset.LATENCY)
                     .build()) {
            expected = miner.search().nprobe();
        }
        assertTrue(expected >= 1 && expected < ServeFixture.NLIST, "the preset probes fewer lists than all: " + expected);
        try (VectorStore queries = VectorStore.open(dir.resolve("queries.qvec"));
             ServeFixture.Running server = ServeFixture.Running.start(latency)) {
            assertEquals(expected, statusNprobe(server));
            assertTrue(server.server().describeSearch().contains("latency preset"), server.server().describeSearch());
            int[] rows = new int[32];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = i;
            }
            Map<Integer, List<String>> qrels = ServeFixture.qrels(dir);
            byte[] body = ServeFixture.binaryBody(queries, rows,
                    java.util.Arrays.stream(rows).mapToObj(qrels::get).toList(), null);
            HttpResponse<byte[]> chosen = server.post("/v1/mine?n=32", "application/octet-stream", body);
            HttpResponse<byte[]> explicit = server.post("/v1/mine?n=32&nprobe=" + expected, "application/octet-stream",
                    body);
            assertEquals(200, chosen.statusCode(), ServeFixture.text(chosen));
            assertArrayEquals(explicit.body(), chosen.body());
        }
    }

    private static int statusNprobe(ServeFixture.Running server) throws IOException {
        HttpResponse<byte[]> status = server.get("/v1/status");
        assertEquals(200, status.statusCode(), ServeFixture.text(status));
        try (JsonParser p = new JsonFactory().createParser(status.body())) {
            while (p.nextToken() != null) {
                if (p.currentToken() == JsonToken.FIELD_NAME && p.currentName().equals("nprobe")) {
                    p.nextToken();
                    return p.getIntValue();
                }
            }
        }
        throw new AssertionError("no nprobe in " + ServeFixture.text(status));
    }
}
