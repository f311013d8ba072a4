package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.quarry.cli.QuarryMain;
import dev.quarry.index.SearchParams;
import dev.quarry.mining.MinerPreset;
import dev.quarry.negatives.NegativesStore;
import dev.quarry.negatives.StoredNegatives;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Held-out recall watched while a model trains: measured at start and after every refresh as
 * {@code quarry eval} measures it, kept per version, a drop flagged with its advice in the status, the
 * metrics and the answer, the served options tightened on request; held-out queries that are training
 * anchors refused at every door.
 */
class HeldOutRecallTest {
    private static final int ANCHORS = 100;
    private static final int TRAINING = 60; // queries q0..q59 train; q60..q99 are held out

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeData() throws IOException {
        ServeFixture.writeCatalog(dir, 6_000, ANCHORS, 16);
        List<String> heldout = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("qrels.tsv"))) {
            if (Integer.parseInt(line.substring(1, line.indexOf('\t'))) >= TRAINING) {
                heldout.add(line);
            }
        }
        Files.write(dir.resolve("heldout.tsv"), heldout);
        Files.write(dir.resolve("nowhere.tsv"), List.of("q70\tno-such-doc\t1"));
        // A "collapsed model": every row replaced by noise, so nothing relevant is found any more.
        try (VectorStore corpus = VectorStore.open(dir.resolve("corpus.qvec"))) {
            Random random = new Random(3);
            float[][] noise = new float[(int) corpus.count()][corpus.dim()];
            for (float[] row : noise) {
                for (int k = 0; k < row.length; k++) {
                    row[k] = (float) random.nextGaussian();
                }
            }
            TestFiles.qvec(dir.resolve("collapsed.qvec"), noise, false);
        }
        Files.copy(dir.resolve("corpus.qvec"), dir.resolve("same.qvec"));
        for (String name : List.of("collapsed.qvec", "same.qvec")) {
            Files.copy(dir.resolve("corpus.qvec.ids"), dir.resolve(name + ".ids")); // quarry eval reads them
        }
    }

    private static ServeSettings settings(Path work, RecallMonitor.OnDrop onDrop, Path store) {
        ServeSettings base = ServeFixture.settings(dir, null, store, ServeFixture.limits());
        return new ServeSettings(base.corpus(), base.index(), null, base.host(), 0, null, store, base.storeAnchors(),
                new SearchParams(2, 4), base.limits(), dir, 2, MinerPreset.DEFAULT, work,
                new HeldOutSettings(dir.resolve("queries.qvec"), dir.resolve("heldout.tsv"), 0.01, onDrop));
    }

    /** Starts a refresh and waits for its held-out figures (the monitor tells each version it measured). */
    private static VersionRecall refresh(ServeFixture.Running server, BlockingQueue<VersionRecall> measured,
                                         String corpus) throws InterruptedException {
        HttpResponse<byte[]> started = server.post("/v1/refresh", "application/json", ("{\"corpus\": \"" + corpus
                + "\", \"heldout_queries\": \"queries.qvec\", \"heldout_qrels\": \"heldout.tsv\"}")
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(202, started.statusCode(), ServeFixture.text(started));
        VersionRecall r = measured.poll(120, TimeUnit.SECONDS);
        assertNotNull(r, "no held-out figures within 120 s: " + server.log());
        return r;
    }

    private static double evalRecallAt10(Path corpus) throws IOException {
        Path json = dir.resolve("eval-" + corpus.getFileName() + ".json");
        StringWriter out = new StringWriter();
        picocli.CommandLine cmd = QuarryMain.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        assertEquals(0, cmd.execute("eval", "--corpus", corpus.toString(), "--queries",
                dir.resolve("queries.qvec").toString(), "--qrels", dir.resolve("heldout.tsv").toString(), "--k",
                "10,100", "--json", json.toString()), out.toString());
        try (JsonParser p = new JsonFactory().createParser(json.toFile())) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.FIELD_NAME && p.currentName().equals("recall")) {
                    p.nextToken();
                    return p.getDoubleValue(); // the first metrics entry: k=10
                }
            }
        }
        throw new AssertionError("no recall in " + Files.readString(json));
    }

    @Test
    void recallIsMeasuredPerVersionAsQuarryEvalMeasuresItAndADropIsFlaggedWithItsAdvice() throws Exception {
        try (ServeFixture.Running server = ServeFixture.Running.start(settings(dir.resolve("work-warn"),
                RecallMonitor.OnDrop.WARN, null))) {
            BlockingQueue<VersionRecall> measured = new LinkedBlockingQueue<>();
            server.server().service().monitor().listener = measured::add;
            List<VersionRecall> start = server.server().service().monitor().history();
            assertEquals(1, start.size(), "the version served at start is measured before the server listens");
            assertEquals(1, start.getFirst().version());
            assertEquals(evalRecallAt10(dir.resolve("corpus.qvec")), start.getFirst().recallAt10(), 1e-12);
            assertEquals(ANCHORS - TRAINING, start.getFirst().queries());
            assertTrue(start.getFirst().recallAt10() > 0.5, "a catalog whose queries find their documents: "
                    + start.getFirst());

            VersionRecall collapsed = refresh(server, measured, "collapsed.qvec");
            assertEquals(2, collapsed.version());
            assertEquals(evalRecallAt10(dir.resolve("collapsed.qvec")), collapsed.recallAt10(), 1e-12);
            assertTrue(collapsed.drop(), "recall@10 fell from " + collapsed.best() + " to " + collapsed.recallAt10());
            String status = ServeFixture.text(server.get("/v1/status"));
            assertTrue(status.contains("\"alert\":{\"version\":2,") && status.contains(RecallMonitor.ADVICE), status);
            assertTrue(status.contains("\"refreshing\":false") && status.contains("\"index_version\":2"), status);
            assertTrue(status.contains("\"history\":[{\"version\":1,") && status.contains("{\"version\":2,"), status);
            assertTrue(status.contains("\"served_defaults\":{\"name\":\"defaults\",\"options\":{}}"),
                    "warn keeps the served options: " + status);
            String metrics = ServeFixture.text(server.get("/metrics"));
            assertTrue(metrics.contains("quarry_heldout_recall_drop 1.0"), metrics);
            assertTrue(metrics.contains("quarry_heldout_version 2.0"), metrics);
            assertTrue(metrics.contains(RecallMonitor.ADVICE), "the advice in the drop gauge's help: " + metrics);

            VersionRecall recovered = refresh(server, measured, "same.qvec");
            assertEquals(start.getFirst().recallAt10(), recovered.recallAt10(), 1e-12);
            assertFalse(recovered.drop(), "back to the best version's recall");
            status = ServeFixture.text(server.get("/v1/status"));
            assertTrue(status.contains("\"alert\":null"), status);
            assertEquals(3, server.server().service().monitor().history().size());
            assertTrue(ServeFixture.text(server.get("/metrics")).contains("quarry_heldout_recall_drop 0.0"));
        }
    }

    /** Starts a refresh and waits (60 s at most) until it is done: version {@code version} served, none running. */
    private static void refreshServed(ServeFixture.Running server, String corpus, long version) throws Exception {
        HttpResponse<byte[]> started = server.post("/v1/refresh", "application/json", ("{\"corpus\": \"" + corpus
                + "\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals(202, started.statusCode(), ServeFixture.text(started));
        long deadline = System.nanoTime() + 60_000_000_000L;
        MiningService service = server.server().service();
        while ((server.server().indexVersion() != version || service.refreshing()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(version, server.server().indexVersion(), server.log().toString());
        assertFalse(service.refreshing(), server.log().toString());
    }

    /** Waits (60 s at most) until the refresh thread has queued {@code version}'s evaluation (just after it is done). */
    private static void awaitPending(RecallMonitor monitor, long version) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (monitor.pendingVersion() != version && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(version, monitor.pendingVersion());
    }

    @Test
    void anEvaluationPausesWhileARefreshRunsAndResumesOnceItIsServedAndTheRefreshTimesItsPhases() throws Exception {
        try (ServeFixture.Running server = ServeFixture.Running.start(settings(dir.resolve("work-pause"),
                RecallMonitor.OnDrop.WARN, null))) {
            MiningService service = server.server().service();
            RecallMonitor monitor = service.monitor();
            BlockingQueue<VersionRecall> measured = new LinkedBlockingQueue<>();
            monitor.listener = measured::add;
            java.util.concurrent.CountDownLatch measure = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch paused = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch swap = new java.util.concurrent.CountDownLatch(1);
            monitor.beforeMeasure = measure; // version 2's evaluation waits until version 3's refresh runs
            monitor.gate.onPause = paused::countDown;

            refreshServed(server, "collapsed.qvec", 2);
            String status = ServeFixture.text(server.get("/v1/status"));
            assertTrue(status.contains("\"last_refresh\":{\"version\":2,\"copy_seconds\":")
                    && status.contains("\"assign_seconds\":") && status.contains("\"open_seconds\":"), status);
            assertTrue(server.log().toString().contains("version 2 refresh phases: copy "), server.log().toString());

            service.beforeSwap = swap; // version 3's refresh runs until the test lets it swap
            HttpResponse<byte[]> started = server.post("/v1/refresh", "application/json",
                    "{\"corpus\": \"same.qvec\"}".getBytes(StandardCharsets.UTF_8));
            assertEquals(202, started.statusCode(), ServeFixture.text(started));
            measure.countDown();
            assertTrue(paused.await(120, TimeUnit.SECONDS), "version 2's evaluation never paused: " + server.log());
            status = ServeFixture.text(server.get("/v1/status"));
            assertTrue(status.contains("\"refreshing\":true") && status.contains("\"evaluating_version\":2")
                    && status.contains("\"paused_for_refresh\":true"), status);
            assertEquals(1, monitor.history().size(), "version 2's figures wait for the refresh: " + monitor.history());

            swap.countDown();
            VersionRecall second = measured.poll(120, TimeUnit.SECONDS);
            VersionRecall third = measured.poll(120, TimeUnit.SECONDS);
            assertNotNull(third, server.log().toString());
            assertEquals(2, second.version());
            assertTrue(second.drop(), "the collapsed version is measured, late but whole: " + second);
            assertEquals(3, third.version());
            assertEquals(monitor.history().getFirst().recallAt10(), third.recallAt10(), 1e-12);
            String log = server.log().toString();
            assertTrue(log.contains("s paused for a refresh)"), log);
            assertTrue(log.contains("version 3 refresh phases: copy ") && log.contains("(a held-out evaluation ran or"
                    + " waited at its start)"), log);
            status = ServeFixture.text(server.get("/v1/status"));
            assertTrue(status.contains("\"last_refresh\":{\"version\":3,") && status.contains("\"monitor_busy\":true")
                    && status.contains("\"paused_for_refresh\":false"), status);
        }
    }

    @Test
    void aRefreshIsDoneBeforeItsFiguresAndANewerVersionSupersedesOneStillWaiting() throws Exception {
        try (ServeFixture.Running server = ServeFixture.Running.start(settings(dir.resolve("work-async"),
                RecallMonitor.OnDrop.WARN, null))) {
            RecallMonitor monitor = server.server().service().monitor();
            BlockingQueue<VersionRecall> measured = new LinkedBlockingQueue<>();
            monitor.listener = measured::add;
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            monitor.beforeMeasure = gate; // every evaluation after a refresh waits here until the test opens it

            refreshServed(server, "collapsed.qvec", 2);
            long started = System.nanoTime() + 60_000_000_000L; // the monitor's thread takes version 2 to the gate
            while (monitor.evaluatingVersion() != 2 && System.nanoTime() < started) {
                Thread.sleep(20);
            }
            String status = ServeFixture.text(server.get("/v1/status"));
            assertTrue(status.contains("\"refreshing\":false") && status.contains("\"evaluating\":true")
                    && status.contains("\"evaluating_version\":2") && status.contains("\"pending_version\":null"),
                    "served, done, and measured after: " + status);
            assertEquals(1, monitor.history().size(), "version 2's figures are not in yet");
            String metrics = ServeFixture.text(server.get("/metrics"));
            assertTrue(metrics.contains("quarry_heldout_evaluating 1.0") && metrics.contains("quarry_heldout_version 1.0"),
                    metrics);

            refreshServed(server, "same.qvec", 3); // queued behind version 2's evaluation
            awaitPending(monitor, 3);
            refreshServed(server, "same.qvec", 4); // supersedes version 3's, which never started
            awaitPending(monitor, 4);
            status = ServeFixture.text(server.get("/v1/status"));
            assertTrue(status.contains("\"evaluating_version\":2") && status.contains("\"pending_version\":4")
                    && status.contains("\"superseded\":1"), status);

            gate.countDown();
            VersionRecall second = measured.poll(120, TimeUnit.SECONDS);
            VersionRecall fourth = measured.poll(120, TimeUnit.SECONDS);
            assertNotNull(fourth, server.log().toString());
            assertEquals(2, second.version());
            assertTrue(second.drop(), "the drop is flagged when the figures land: " + second);
            assertEquals(4, fourth.version());
            assertEquals(monitor.history().getFirst().recallAt10(), fourth.recallAt10(), 1e-12);
            assertEquals(List.of(1L, 2L, 4L), monitor.history().stream().map(VersionRecall::version).toList());
            assertTrue(server.log().toString().contains("version 3's held-out evaluation superseded by version 4's"), server.log().toString());
            metrics = ServeFixture.text(server.get("/metrics"));
            assertTrue(metrics.contains("quarry_heldout_superseded_total 1.0") && metrics.contains(
                    "quarry_heldout_version 4.0"), metrics);
        }
    }

    @Test
    void onRecallDropTightenServesTheSaferOptionsToCallsThatLeaveThemOut() throws Exception {
        try (ServeFixture.Running server = ServeFixture.Running.start(settings(dir.resolve("work-tighten"),
                RecallMonitor.OnDrop.TIGHTEN, null))) {
            BlockingQueue<VersionRecall> measured = new LinkedBlockingQueue<>();
            server.server().service().monitor().listener = measured::add;
            assertTrue(refresh(server, measured, "collapsed.qvec").drop());
            String status = ServeFixture.text(server.get("/v1/status"));
            assertTrue(status.contains("\"served_defaults\":{\"name\":\"tightened\",\"options\":{\"near_duplicate\":"
                    + "\"0.85\",\"relative_margin\":\"0.1\",\"sampling_strategy\":\"random\"},\"tightened_at_version\":2}"),
                    status);
            assertTrue(ServeFixture.text(server.get("/metrics")).contains("quarry_served_defaults_tightened 1.0"));
            // Tightened for good: a version whose recall is back keeps the safer options (mined here, where the
            // collapsed corpus would give no negatives under either).
            assertFalse(refresh(server, measured, "same.qvec").drop());
            assertTrue(ServeFixture.text(server.get("/v1/status")).contains("\"tightened_at_version\":2"));
            Map<Integer, List<String>> qrels = ServeFixture.qrels(dir);
            int[] rows = {0, 1, 2, 3};
            List<List<String>> positives = new ArrayList<>();
            for (int r : rows) {
                positives.add(qrels.get(r));
            }
            byte[] body;
            try (VectorStore queries = VectorStore.open(dir.resolve("queries.qvec"))) {
                body = ServeFixture.binaryBody(queries, rows, positives, null);
            }
            HttpResponse<byte[]> leftOut = server.post("/v1/mine?n=4&format=json", Answer.OCTETS, body);
            HttpResponse<byte[]> explicit = server.post("/v1/mine?n=4&format=json&relative_margin=0.1"
                    + "&near_duplicate=0.85&sampling_strategy=random", Answer.OCTETS, body);
            HttpResponse<byte[]> defaults = server.post("/v1/mine?n=4&format=json&relative_margin=0.05"
                    + "&near_duplicate=0.9&sampling_strategy=top", Answer.OCTETS, body);
            assertEquals(200, leftOut.statusCode(), ServeFixture.text(leftOut));
            assertArrayEquals(explicit.body(), leftOut.body(), "options left out are the tightened ones");
            assertFalse(java.util.Arrays.equals(defaults.body(), leftOut.body()), "and no longer the defaults");
        }
    }

    @Test
    void aHeldOutQueryThatIsATrainingAnchorIsRefusedAtStartOnRefreshAndInAMineCall() throws Exception {
        Path storeFile = dir.resolve("overlap.cmap");
        try (NegativesStore store = NegativesStore.open(storeFile, 1_000)) {
            store.put("q70", new StoredNegatives(new String[] {"d1"}, new float[] {0.5f}, 1, 0));
        }
        StringWriter err = new StringWriter();
        picocli.CommandLine cmd = QuarryMain.commandLine();
        cmd.setErr(new PrintWriter(err, true));
        assertEquals(3, cmd.execute("serve", "--corpus", dir.resolve("corpus.qvec").toString(), "--bind",
                "127.0.0.1:0", "--work-dir", dir.resolve("work-refused").toString(), "--negatives-store",
                storeFile.toString(), "--heldout-queries", dir.resolve("queries.qvec").toString(), "--heldout-qrels",
                dir.resolve("heldout.tsv").toString()), err.toString());
        assertTrue(err.toString().contains("held-out query=q70, expected held-out queries that are not training"
                + " anchors"), err.toString());

        try (ServeFixture.Running server = ServeFixture.Running.start(settings(dir.resolve("work-overlap"),
                RecallMonitor.OnDrop.WARN, null))) {
            Map<Integer, List<String>> qrels = ServeFixture.qrels(dir);
            byte[] trained;
            byte[] heldOut;
            try (VectorStore queries = VectorStore.open(dir.resolve("queries.qvec"))) {
                trained = ServeFixture.binaryBody(queries, new int[] {1, 2}, List.of(qrels.get(1), qrels.get(2)),
                        List.of("q1", "q2"));
                heldOut = ServeFixture.binaryBody(queries, new int[] {1, 65}, List.of(qrels.get(1), qrels.get(65)),
                        List.of("q1", "q65"));
            }
            HttpResponse<byte[]> refused = server.post("/v1/mine?n=2&with-anchor-ids=true&format=json",
                    Answer.OCTETS, heldOut);
            assertEquals(400, refused.statusCode(), ServeFixture.text(refused));
            assertTrue(ServeFixture.text(refused).contains("\"field\":\"anchor_ids\",\"value\":\"q65\""),
                    ServeFixture.text(refused));
            assertEquals(200, server.post("/v1/mine?n=2&with-anchor-ids=true&format=json", Answer.OCTETS, trained)
                    .statusCode());
            // q2 has been trained on now: a held-out set naming it is refused, and nothing changes.
            Files.write(dir.resolve("with-q2.tsv"), List.of("q2\t" + qrels.get(2).getFirst() + "\t1", "q80\t"
                    + qrels.get(80).getFirst() + "\t1"));
            HttpResponse<byte[]> overlap = server.post("/v1/refresh", "application/json", ("{\"corpus\": \"same.qvec\","
                    + " \"heldout_queries\": \"queries.qvec\", \"heldout_qrels\": \"with-q2.tsv\"}")
                    .getBytes(StandardCharsets.UTF_8));
            assertEquals(400, overlap.statusCode(), ServeFixture.text(overlap));
            assertTrue(ServeFixture.text(overlap).contains("held-out query=q2"), ServeFixture.text(overlap));
            HttpResponse<byte[]> half = server.post("/v1/refresh", "application/json",
                    "{\"corpus\": \"same.qvec\", \"heldout_qrels\": \"heldout.tsv\"}".getBytes(StandardCharsets.UTF_8));
            assertEquals(400, half.statusCode());
            assertTrue(ServeFixture.text(half).contains("\"field\":\"heldout_queries\""), ServeFixture.text(half));
            HttpResponse<byte[]> nowhere = server.post("/v1/refresh", "application/json", ("{\"corpus\": \"same.qvec\","
                    + " \"heldout_queries\": \"queries.qvec\", \"heldout_qrels\": \"nowhere.tsv\"}")
                    .getBytes(StandardCharsets.UTF_8));
            assertEquals(400, nowhere.statusCode());
            assertTrue(ServeFixture.text(nowhere).contains("held-out queries with a relevant document=0 of 1 pairs"),
                    ServeFixture.text(nowhere));
            String status = ServeFixture.text(server.get("/v1/status"));
            assertTrue(status.contains("\"index_version\":1") && status.contains("\"refreshing\":false")
                    && status.contains("\"qrels\":\"" + dir.resolve("heldout.tsv") + "\""), "nothing changed: " + status);
            assertEquals(1, TestFiles.list(dir.resolve("work-overlap")).stream()
                    .filter(n -> n.startsWith("heldout") && n.endsWith(".qvec")).count(),
                    "only the held-out copy in use is kept (refused ones are removed)");
        }
    }

    @Test
    void heldOutOptionsThatCannotWorkAreRefusedBeforeTheServerStarts() {
        String corpus = dir.resolve("corpus.qvec").toString();
        String queries = dir.resolve("queries.qvec").toString();
        String heldout = dir.resolve("heldout.tsv").toString();
        Object[][] cases = {
            {2, "--heldout-queries needs --heldout-qrels", new String[] {"--heldout-queries", queries}},
            {2, "--heldout-qrels needs --heldout-queries", new String[] {"--heldout-qrels", heldout}},
            {2, "--recall-drop=NaN, expected an absolute recall drop in [0, 1]", new String[] {"--recall-drop", "NaN"}},
            {2, "--recall-drop=1.5, expected", new String[] {"--recall-drop", "1.5"}},
            {2, "--on-recall-drop=loosen, expected warn or tighten", new String[] {"--on-recall-drop", "loosen"}},
            {3, "held-out queries with a relevant document=0 of 1 pairs", new String[] {"--heldout-queries", queries,
                "--heldout-qrels", dir.resolve("nowhere.tsv").toString()}},
        };
        for (Object[] c : cases) {
            StringWriter err = new StringWriter();
            picocli.CommandLine cmd = QuarryMain.commandLine();
            cmd.setErr(new PrintWriter(err, true));
            List<String> args = new ArrayList<>(List.of("serve", "--corpus", corpus, "--bind", "127.0.0.1:0",
                    "--work-dir", dir.resolve("work-cases").toString()));
            args.addAll(List.of((String[]) c[2]));
            assertEquals(c[0], cmd.execute(args.toArray(String[]::new)), err.toString());
            assertTrue(err.toString().contains((String) c[1]), c[1] + " in: " + err);
        }
    }
}
