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
            assertArrayEquals(expected(dir.resolve("step1.qvec"), dir.resolve("serve-work").resolve("v2-step1.qivf"),
                    body), answers.get(2L));
            assertFalse(java.util.Arrays.equals(answers.get(1L), answers.get(2L)), "the new vectors moved the answer");
            assertEquals(0, first.holders(), "the old version is closed after its last request");
            String status = ServeFixture.text(server.get("/v1/status"));
            assertTrue(status.contains("\"index_version\":2") && status.contains("\"refreshes\":1")
                    && status.contains("step1.qvec"), status);
        }
    }

    @Test
    void aVersionsCopiesLiveInTheWorkDirectoryAndGoWithItWhileTheUsersFilesStay(@TempDir Path own) throws Exception {
        ServeFixture.writeCatalog(own, 3_000, 20, 16);
        Files.copy(own.resolve("corpus.qvec"), own.resolve("epoch1.qvec"));
        Files.copy(own.resolve("corpus.qvec"), own.resolve("epoch2.qvec"));
        Path work = own.resolve("serve-work");
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(own, null, null,
                ServeFixture.limits()))) {
            assertTrue(Files.exists(work.resolve("v1-corpus.qvec")) && Files.exists(work.resolve("v1-corpus.qivf")),
                    "the corpus and index served are copies of the server's own");
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
                    assertTrue(Files.exists(work.resolve("v2-epoch1.qivf")), "the refresh wrote its index");
                }
            }
            assertEquals(3, server.server().indexVersion());
            // The last holder (the refresh's thread) closes version 2, then deletes its files: bounded wait.
            long closed = System.nanoTime() + 30_000_000_000L;
            while ((epoch1.holders() != 0 || Files.exists(work.resolve("v2-epoch1.qivf"))) && System.nanoTime() < closed) {
                Thread.sleep(20);
            }
            assertEquals(0, epoch1.holders(), "version 2 is closed: no request held it");
            assertFalse(Files.exists(work.resolve("v2-epoch1.qivf")) || Files.exists(work.resolve("v2-epoch1.qvec")),
                    "version 2's copy and index are gone");
            assertFalse(Files.exists(work.resolve("v1-corpus.qvec")), "so are version 1's");
            assertTrue(Files.exists(work.resolve("v3-epoch2.qivf")), "the version served now stays");
        }
        try (java.util.stream.Stream<Path> left = Files.list(work)) {
            assertEquals(List.of(".quarry-serve", ".quarry-serve.lock"), left.map(p -> p.getFileName().toString())
                    .sorted().toList(), "a stopped server leaves its work directory empty");
        }
        for (String users : List.of("corpus.qvec", "corpus.qivf", "corpus.qvec.ids", "epoch1.qvec", "epoch2.qvec")) {
            assertTrue(Files.exists(own.resolve(users)), users + " is the user's and stays");
        }
        assertFalse(Files.exists(own.resolve("epoch1.qivf")) || Files.exists(own.resolve("epoch2.qivf")),
                "nothing is written beside the user's files");
    }

    @Test
    void aTrainerMayRewriteOrDeleteItsFilesOnceTheServerAcceptedThem(@TempDir Path own) throws Exception {
        ServeFixture.writeCatalog(own, 3_000, 20, 16);
        Files.copy(own.resolve("corpus.qvec"), own.resolve("epoch1.qvec"));
        byte[] body;
        try (VectorStore queries = VectorStore.open(own.resolve("queries.qvec"))) {
            Map<Integer, List<String>> qrels = ServeFixture.qrels(own);
            body = ServeFixture.binaryBody(queries, new int[] {0, 1, 2}, List.of(qrels.get(0), qrels.get(1),
                    qrels.get(2)), null);
        }
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(own, null, null,
                ServeFixture.limits()))) {
            byte[] before = server.post("/v1/mine?n=3", "application/octet-stream", body).body();
            // The files the server started from, cut short and rewritten under it (np.save to the same path).
            try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(own.resolve("corpus.qvec"),
                    java.nio.file.StandardOpenOption.WRITE)) {
                c.truncate(4096);
            }
            Files.write(own.resolve("corpus.qivf"), new byte[100]);
            HttpResponse<byte[]> same = server.post("/v1/mine?n=3", "application/octet-stream", body);
            assertEquals(200, same.statusCode(), ServeFixture.text(same));
            assertArrayEquals(before, same.body());
            HttpResponse<byte[]> started = server.post("/v1/refresh", "application/json",
                    "{\"corpus\": \"epoch1.qvec\"}".getBytes(StandardCharsets.UTF_8));
            assertEquals(202, started.statusCode(), ServeFixture.text(started));
            // Accepted: the trainer truncates and deletes its file at once, while the refresh still runs.
            try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(own.resolve("epoch1.qvec"),
                    java.nio.file.StandardOpenOption.WRITE)) {
                c.truncate(100);
            }
            Files.delete(own.resolve("epoch1.qvec"));
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (server.server().indexVersion() != 2 && System.nanoTime() < deadline) {
                assertEquals(200, server.post("/v1/mine?n=3", "application/octet-stream", body).statusCode());
            }
            assertEquals(2, server.server().indexVersion(), ServeFixture.text(server.get("/v1/status")));
            HttpResponse<byte[]> after = server.post("/v1/mine?n=3", "application/octet-stream", body);
            assertEquals(200, after.statusCode(), ServeFixture.text(after));
            assertArrayEquals(before, after.body(), "epoch1 held the same rows: the same answer");
            assertFalse(server.log().toString().contains("Exception"), server.log().toString());
        }
    }

    @Test
    void whatAKilledServerLeftInItsWorkDirectoryIsRemovedAtStartAndAUsersDirectoryIsRefused(@TempDir Path own)
            throws Exception {
        ServeFixture.writeCatalog(own, 3_000, 20, 16);
        Path work = own.resolve("serve-work");
        Files.createDirectories(work);
        Files.writeString(work.resolve(WorkDirectory.MARKER), "");
        for (String stale : List.of("v7-corpus.qvec", "v7-corpus.qivf", "v7-corpus.qivf.quarry-4242-1.tmp",
                "v7-corpus.qivf.quarry.lock", "v7-corpus.qvec.ids")) {
            Files.writeString(work.resolve(stale), "left by a killed server");
        }
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(own, null, null,
                ServeFixture.limits()))) {
            try (java.util.stream.Stream<Path> left = Files.list(work)) {
                assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith("v7-")), "stale files removed");
            }
            assertTrue(server.log().toString().contains("removed 5 files an earlier server left"),
                    server.log().toString());
            dev.quarry.QuarryDataException inUse = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.quarry.QuarryDataException.class, () -> QuarryServer.start(ServeFixture.settings(own, null,
                            null, ServeFixture.limits()), new java.io.PrintWriter(new java.io.StringWriter())));
            assertTrue(inUse.getMessage().contains("in use by another quarry serve"), inUse.getMessage());
        }
        Path users = own.resolve("users-dir");
        Files.createDirectories(users);
        Files.writeString(users.resolve("notes.txt"), "mine");
        ServeSettings base = ServeFixture.settings(own, null, null, ServeFixture.limits());
        ServeSettings intoUsers = new ServeSettings(base.corpus(), base.index(), base.corpusIds(), base.host(),
                base.port(), base.token(), base.negativesStore(), base.storeAnchors(), base.search(), base.limits(),
                base.refreshDir(), base.buildThreads(), base.preset(), users, base.heldout());
        dev.quarry.QuarryDataException refused = org.junit.jupiter.api.Assertions.assertThrows(
                dev.quarry.QuarryDataException.class, () -> QuarryServer.start(intoUsers,
                        new java.io.PrintWriter(new java.io.StringWriter())));
        assertTrue(refused.getMessage().contains("--work-dir=a directory with files of its own"), refused.getMessage());
        assertEquals("mine", Files.readString(users.resolve("notes.txt")), "a user's file is never touched");
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
            assertFalse(Files.exists(dir.resolve("broken.qivf")), "nothing written beside the user's file");
            assertFalse(Files.exists(dir.resolve("serve-work").resolve("v2-broken.qivf"))
                    || Files.exists(dir.resolve("serve-work").resolve("v2-broken.qvec")), "a failed refresh's copy is gone");
        }
    }
}
