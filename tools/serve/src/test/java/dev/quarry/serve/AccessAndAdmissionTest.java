package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.cli.QuarryMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may call (bearer token, loopback by default) and how much is taken on at once (503 past the queue). */
class AccessAndAdmissionTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeData() throws Exception {
        ServeFixture.writeCatalog(dir, 5_000, 20, 16);
        Files.writeString(dir.resolve("token.txt"), TOKEN + "\n");
        Files.writeString(dir.resolve("short.txt"), "secret\n");
        Files.writeString(dir.resolve("everyones.txt"), TOKEN + "\n");
        for (String own : List.of("token.txt", "short.txt")) {
            Files.setPosixFilePermissions(dir.resolve(own), PosixFilePermissions.fromString("rw-------"));
        }
        Files.setPosixFilePermissions(dir.resolve("everyones.txt"), PosixFilePermissions.fromString("rw-r--r--"));
    }

    @Test
    void withATokenEveryRouteButHealthNeedsIt() {
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(dir,
                BearerToken.read(dir.resolve("token.txt")), null, ServeFixture.limits()))) {
            assertEquals(200, server.get("/v1/health").statusCode());
            HttpResponse<byte[]> none = server.get("/v1/status");
            assertEquals(401, none.statusCode());
            assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElseThrow());
            assertTrue(ServeFixture.text(none).contains("\"error\":\"unauthorized\""), ServeFixture.text(none));
            assertEquals(401, server.get("/v1/status", "Authorization", "Bearer " + TOKEN.substring(1)).statusCode());
            assertEquals(401, server.get("/v1/status", "Authorization", "Bearer " + TOKEN + "x").statusCode());
            assertEquals(401, server.get("/metrics", "Authorization", "Basic " + TOKEN).statusCode());
            assertEquals(401, server.post("/v1/mine?n=0", "application/octet-stream", new byte[0]).statusCode());
            assertEquals(200, server.get("/v1/status", "Authorization", "Bearer " + TOKEN).statusCode());
            assertEquals(200, server.post("/v1/mine?n=0", "application/octet-stream", new byte[0], "Authorization",
                    "bearer " + TOKEN).statusCode());
        }
    }

    @Test
    void aShortTokenIsRefused() {
        QuarryDataException e = org.junit.jupiter.api.Assertions.assertThrows(QuarryDataException.class,
                () -> BearerToken.read(dir.resolve("short.txt")));
        assertTrue(e.getMessage().contains("token=6 characters, expected a token of at least 16"), e.getMessage());
    }

    @Test
    void aTokenFileOthersCanReadIsRefusedAtStartWithExit3() {
        QuarryDataException e = org.junit.jupiter.api.Assertions.assertThrows(QuarryDataException.class,
                () -> BearerToken.read(dir.resolve("everyones.txt")));
        assertTrue(e.getMessage().contains("permissions=rw-r--r--, expected a token file other users can neither read"
                + " nor write (chmod 600"), e.getMessage());
        StringWriter err = new StringWriter();
        picocli.CommandLine cmd = QuarryMain.commandLine();
        cmd.setErr(new PrintWriter(err, true));
        assertEquals(3, cmd.execute("serve", "--corpus", dir.resolve("corpus.qvec").toString(), "--bind", "127.0.0.1:0",
                "--token-file", dir.resolve("everyones.txt").toString()), err.toString());
        assertTrue(err.toString().contains("chmod 600"), err.toString());
    }

    @Test
    void aRefreshDirThatIsNoDirectoryIsRefusedBeforeTheWarmUpWithExit3() throws Exception {
        Files.writeString(dir.resolve("a-file"), "x");
        for (String given : List.of(dir.resolve("nonexistent").toString(), dir.resolve("a-file").toString())) {
            StringWriter err = new StringWriter();
            picocli.CommandLine cmd = QuarryMain.commandLine();
            cmd.setErr(new PrintWriter(err, true));
            int code = cmd.execute("serve", "--corpus", dir.resolve("corpus.qvec").toString(), "--bind",
                    "127.0.0.1:0", "--refresh-dir", given);
            assertEquals(3, code, err.toString());
            assertTrue(err.toString().contains("--refresh-dir=") && err.toString().contains("expected an existing"
                    + " directory"), err.toString());
            assertFalse(err.toString().contains("warming up"), "refused before the corpus is opened: " + err);
        }
    }

    @Test
    void anAddressBeyondLoopbackNeedsAToken() {
        StringWriter err = new StringWriter();
        picocli.CommandLine cmd = QuarryMain.commandLine();
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute("serve", "--corpus", dir.resolve("corpus.qvec").toString(), "--bind", "0.0.0.0:0");
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("--bind=0.0.0.0:0, expected a loopback address"), err.toString());
        assertEquals(2, cmd.execute("serve", "--corpus", dir.resolve("corpus.qvec").toString(), "--bind", "7700"));
        assertTrue(err.toString().contains("expected HOST:PORT"), err.toString());
    }

    @Test
    void admissionQueuesUpToItsBoundAndRefusesTheRest() throws Exception {
        Admission admission = new Admission(1, 1, 1 << 20);
        Admission.Ticket running = admission.enter();
        assertNotNull(running);
        List<Admission.Ticket> got = new ArrayList<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                got.add(admission.enter());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (admission.waiting() == 0 && waiter.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(1); // the waiter blocks inside the semaphore, where nothing can signal us
        }
        assertEquals(1, admission.waiting(), "the second call queued within 30 s");
        assertNull(admission.enter(), "the queue holds one: a third call is refused");
        running.close();
        waiter.join();
        assertNotNull(got.get(0), "the waiting call got the slot freed");
        assertEquals(1, admission.running());
        got.get(0).close();
        got.get(0).close();
        assertEquals(0, admission.running(), "closing a ticket twice frees one slot");
        admission.drain();
        assertNull(admission.enter(), "a draining service admits nothing");
    }

    @Test
    void aFullServerAnswers503WithRetryAfterAndRecovers() throws Exception {
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(dir, null, null,
                new RequestLimits(16, 1 << 20, 1, 0)))) {
            Admission.Ticket taken = server.server().admission().enter();
            HttpResponse<byte[]> full = server.post("/v1/mine?n=0", "application/octet-stream", new byte[0]);
            assertEquals(503, full.statusCode());
            assertEquals("1", full.headers().firstValue("Retry-After").orElseThrow());
            assertTrue(ServeFixture.text(full).contains("\"error\":\"overloaded\""), ServeFixture.text(full));
            assertEquals(200, server.get("/v1/status").statusCode(), "status is answered while mining is full");
            taken.close();
            assertEquals(200, server.post("/v1/mine?n=0", "application/octet-stream", new byte[0]).statusCode());
            assertTrue(ServeFixture.text(server.get("/metrics")).contains(
                    "quarry_requests_total{route=\"mine\",status=\"503\"} 1.0"));
        }
    }

    @Test
    void aBodyBeyondTheLimitIsRefused() {
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(dir, null, null,
                new RequestLimits(16, 1 << 16, 1, 0)))) {
            HttpResponse<byte[]> big = server.post("/v1/mine?n=1", "application/octet-stream", new byte[1 << 17]);
            assertEquals(413, big.statusCode(), ServeFixture.text(big));
            assertEquals(200, server.get("/v1/health").statusCode());
        }
    }
}
