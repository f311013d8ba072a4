package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.SearchParams;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.Miner;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestFiles;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refresh while clients mine: no request fails or waits for it, every answer is entirely the old
 * version's or entirely the new one's, and the old version is closed after its last request.
 */
class RefreshUnderLoadTest {
    private static final int ANCHORS = 64;

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeData() throws IOException {
        ServeFixture.writeCatalog(dir, 20_000, 100, 32);
        // The same rows re-embedded by a "newer model", with the same ids beside them.
        try (VectorStore corpus = VectorStore.open(dir.resolve("corpus.qvec"))) {
            Random random = new Random(5);
            float[][] moved = new float[(int) corpus.count()][corpus.dim()];
            for (int r = 0; r < moved.length; r++) {
                corpus.copyRow(r, moved[r]);
                for (int k = 0; k < moved[r].length; k++) {
                    moved[r][k] += (float) (0.02 * random.nextGaussian());
                }
            }
            TestFiles.qvec(dir.resolve("step1.qvec"), moved, false);
            moved[7][3] = Float.NaN;
            TestFiles.qvec(dir.resolve("broken.qvec"), moved, false);
        }
        Files.copy(dir.resolve("corpus.qvec.ids"), dir.resolve("step1.qvec.ids"));
    }

    private static int[] rows() {
        int[] rows = new int[ANCHORS];
        for (int i = 0; i < ANCHORS; i++) {
            rows[i] = i;
        }
        return rows;
    }

    private static List<List<String>> positives() {
        Map<Integer, List<String>> qrels = ServeFixture.qrels(dir);
        List<List<String>> out = new ArrayList<>();
        for (int r : rows()) {
            out.add(qrels.getOrDefault(r, List.of()));
        }
        return out;
    }

    /** What a version must answer: a miner of its own over its corpus and index, the server's options. */
    private static byte[] expected(Path corpusFile, Path indexFile, byte[] body) {
        try (VectorStore corpus = VectorStore.open(corpusFile);
             IvfIndex index = IvfIndex.open(indexFile, corpus, VectorKernelsProvider.get())) {
            Miner miner = Miner.builder(corpus).index(index).search(new SearchParams(2, 4)).warmUp(false).build();
            int[][] positives = positives().stream().map(p -> p.stream().mapToInt(id -> Integer.parseInt(
                    id.substring(1))).toArray()).toArray(int[][]::new);
            List<MinedAnchor> mined = miner.mine(MemorySegment.ofArray(body), 0, corpus.dim() * 4L, ANCHORS, positives);
            return MineResponses.binary(mined, 3);
        }
    }

    @Test
    void requestsDuringARefreshNeverFailNorMixVersions() throws Exception {
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(dir, null, null,
                ServeFixture.limits()));
             VectorStore queries = VectorStore.open(dir.resolve("queries.qvec"))) {
            byte[] body = ServeFixture.binaryBody(queries, rows(), positives(), null);
            ServedIndex first = server.server().service().current();
            CountDownLatch gate = new CountDownLatch(1);
            server.server().service().beforeSwap = gate;

            AtomicBoolean stop = new AtomicBoolean();
            Map<Long, byte[]> answers = new ConcurrentHashMap<>();
            AtomicInteger mixed = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            Map<Long, AtomicInteger> perVersion = new ConcurrentHashMap<>();
            List<Thread> clients = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                clients.add(Thread.ofPlatform().start(() -> {
                    while (!stop.get()) {
                        HttpResponse<byte[]> answer = server.post("/v1/mine?n=" + ANCHORS, "application/octet-stream",
                                body);
                        if (answer.statusCode() != 200) {
                            failed.incrementAndGet();
                            continue;
                        }
                        long version = Long.parseLong(answer.headers().firstValue("Quarry-Index-Version").orElseThrow());
                        perVersion.computeIfAbsent(version, v -> new AtomicInteger()).incrementAndGet();
                        byte[] seen = answers.putIfAbsent(version, answer.body());
                        if (seen != null && !java.util.Arrays.equals(seen, answer.body())) {
                            mixed.incrementAndGet();
                        }
                    }
                }));
            }
            Thread.sleep(300);
            HttpResponse<byte[]> started = server.post("/v1/refresh", "application/json",
                    "{\"corpus\": \"step1.qvec\"}".getBytes(StandardCharsets.UTF_8));
            assertEquals(202, started.statusCode(), ServeFixture.text(started));
            assertEquals("{\"refresh\":\"started\",\"index_version\":1}", ServeFixture.text(started));
            // The next version is built and waits at the gate: a second refresh is refused meanwhile.
            HttpResponse<byte[]> again = server.post("/v1/refresh", "application/json",
                    "{\"corpus\": \"step1.qvec\"}".getBytes(StandardCharsets.UTF_8));
            assertEquals(409, again.statusCode(), ServeFixture.text(again));
            assertTrue(ServeFixture.text(server.get("/v1/status")).contains("\"refreshing\":true"));
            Thread.sleep(300);
            gate.countDown();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (server.server().indexVersion() != 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(300);
            stop.set(true);
            for (Thread c : clients) {
                c.join();
            }

            assertEquals(0, failed.get(), "failed requests");
            assertEquals(0, mixed.get(), "answers of one version that differ");
            assertTrue(perVersion.get(1L).get() > 0 && perVersion.get(2L).get() > 0, perVersion.toString());
            assertEquals(2, perVersion.size(), perVersion.toString());
            assertArrayEquals(expected(dir.resolve("corpus.qvec"), dir.resolve("corpus.qivf"), body), answers.get(1L));
            assertArrayEquals(expected(dir.resolve("step1.qvec"), dir.resolve("step1.qivf"), body), answers.get(2L));
            assertFalse(java.util.Arrays.equals(answers.get(1L), answers.get(2L)), "the new vectors moved the answer");
            assertEquals(0, first.holders(), "the old version is closed after its last request");
            String status = ServeFixture.text(server.get("/v1/status"));
            assertTrue(status.contains("\"index_version\":2") && status.contains("\"refreshes\":1")
                    && status.contains("step1.qvec"), status);
        }
    }

    @Test
    void anIndexARefreshWroteIsDeletedOnceANewerVersionServesAndTheUsersStays(@TempDir Path own) throws Exception {
        ServeFixture.writeCatalog(own, 3_000, 20, 16);
        Files.copy(own.resolve("corpus.qvec"), own.resolve("epoch1.qvec"));
        Files.copy(own.resolve("corpus.qvec"), own.resolve("epoch2.qvec"));
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(own, null, null,
                ServeFixture.limits()))) {
            ServedIndex epoch1 = null;
            for (String corpus : List.of("epoch1.qvec", "epoch2.qvec")) {
                long before = server.server().indexVersion();
                HttpResponse<byte[]> started = server.post("/v1/refresh", "application/json",
                        ("{\"corpus\": \"" + corpus + "\"}").getBytes(StandardCharsets.UTF_8));
                assertEquals(202, started.statusCode(), ServeFixture.text(started));
                long deadline = System.nanoTime() + 60_000_000_000L;
                // the version moves before the refresh has let go of the old one: wait for both, or the next
                // refresh finds this one still running (409) on a busy machine
                while ((server.server().indexVersion() == before || server.server().service().refreshing())
                        && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                if (epoch1 == null) {
                    epoch1 = server.server().service().current();
                    assertTrue(Files.exists(own.resolve("epoch1.qivf")), "the refresh wrote its index");
                }
            }
            assertEquals(3, server.server().indexVersion());
            assertEquals(0, epoch1.holders(), "version 2 is closed: no request held it");
            assertFalse(Files.exists(own.resolve("epoch1.qivf")), "version 2's index, written by a refresh, is gone");
            assertTrue(Files.exists(own.resolve("epoch2.qivf")), "the index served now stays");
        }
        assertTrue(Files.exists(own.resolve("corpus.qivf")), "the index the server was started with stays");
        assertTrue(Files.exists(own.resolve("epoch2.qivf")), "the index served at the stop stays");
    }

    @Test
    void aRefreshThatCannotBeTheSameRowsIsRefusedAtOnce() {
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(dir, null, null,
                ServeFixture.limits()))) {
            HttpResponse<byte[]> shape = server.post("/v1/refresh", "application/json",
                    "{\"corpus\": \"queries.qvec\"}".getBytes(StandardCharsets.UTF_8));
            assertEquals(400, shape.statusCode(), ServeFixture.text(shape));
            assertTrue(ServeFixture.text(shape).contains("shape=100 x 32, expected 20"), ServeFixture.text(shape));
            HttpResponse<byte[]> outside = server.post("/v1/refresh", "application/json",
                    "{\"corpus\": \"../../etc/passwd\"}".getBytes(StandardCharsets.UTF_8));
            assertEquals(400, outside.statusCode(), ServeFixture.text(outside));
            assertTrue(ServeFixture.text(outside).contains("\"field\":\"corpus\""), ServeFixture.text(outside));
            HttpResponse<byte[]> noField = server.post("/v1/refresh", "application/json",
                    "{\"retrain\": true}".getBytes(StandardCharsets.UTF_8));
            assertEquals(400, noField.statusCode(), ServeFixture.text(noField));
            assertTrue(ServeFixture.text(server.get("/v1/status")).contains("\"refreshing\":false"));
            assertEquals(1, server.server().indexVersion());
        }
    }

    @Test
    void aRefreshThatFailsLaterKeepsServingAndSaysWhy() throws InterruptedException {
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(dir, null, null,
                ServeFixture.limits()))) {
            HttpResponse<byte[]> started = server.post("/v1/refresh", "application/json",
                    "{\"corpus\": \"broken.qvec\"}".getBytes(StandardCharsets.UTF_8));
            assertEquals(202, started.statusCode(), ServeFixture.text(started));
            String status = "";
            for (int i = 0; i < 500; i++) {
                status = ServeFixture.text(server.get("/v1/status"));
                if (status.contains("\"refreshing\":false")) {
                    break;
                }
                Thread.sleep(20);
            }
            assertTrue(status.contains("\"refresh_error\":\"") && status.contains("NaN"), status);
            assertEquals(1, server.server().indexVersion());
            assertNotNull(server.server().service().current().corpus());
            assertTrue(ServeFixture.text(server.get("/metrics")).contains("quarry_refreshes_total{result=\"failed\"} 1.0"));
            assertFalse(Files.exists(dir.resolve("broken.qivf")), "no index written for a corpus that was refused");
        }
    }
}
