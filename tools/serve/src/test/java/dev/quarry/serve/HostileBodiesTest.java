package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bodies sent as a broken or hostile client sends them: over the limit (with a length or chunked),
 * malformed chunking, an upload that stalls, a client that leaves mid-body. Each gets one answer (or
 * none, for a client gone), never a running slot held, never a stack trace in the log.
 */
class HostileBodiesTest {
    private static final int LIMIT = 1 << 16;
    /**
     * The pace of a body in the tests where a stalled body holds the whole budget: its deadline (one MiB's time)
     * must outlast the test on a busy machine, or the holder is cut off, the budget freed and the call meant to be
     * refused is taken (at 5 s it was, once, on a loaded machine).
     */
    private static final double HOLD_SECONDS_PER_MIB = 120;

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeData() {
        ServeFixture.writeCatalog(dir, 3_000, 20, 16);
    }

    private static ServeFixture.Running start(int running, int waiting, double secondsPerMiB) {
        return ServeFixture.Running.start(ServeFixture.settings(dir, null, null,
                new RequestLimits(16, LIMIT, running, waiting, 1 << 20, secondsPerMiB)));
    }

    @Test
    void aBodyOverTheLimitGets413EveryTimeAndTheClientReadsIt() {
        try (ServeFixture.Running server = start(1, 4, 5)) {
            for (int i = 0; i < 20; i++) {
                HttpResponse<byte[]> big = server.post("/v1/mine?n=1", "application/octet-stream", new byte[2 * LIMIT]);
                assertEquals(413, big.statusCode(), ServeFixture.text(big));
                assertTrue(ServeFixture.text(big).contains("\"field\":\"body\""), ServeFixture.text(big));
            }
            assertEquals(200, server.get("/v1/health").statusCode());
            assertFalse(server.log().toString().contains("Exception"), server.log().toString());
        }
    }

    @Test
    void anOverLimitBodyIsReadSoTheSameConnectionAnswersTheNextRequest() {
        try (ServeFixture.Running server = start(1, 4, 5);
             RawHttp client = new RawHttp(server.server().port())) {
            client.write("POST /v1/mine?n=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + 2 * LIMIT + "\r\n\r\n").write(new byte[2 * LIMIT]);
            assertEquals(List.of(413), RawHttp.statuses(client.readResponse()));
            client.write("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(List.of(200), RawHttp.statuses(client.readResponse()));
        }
    }

    @Test
    void aChunkedBodyOverTheLimitGets413Once() {
        try (ServeFixture.Running server = start(1, 4, 5);
             RawHttp client = new RawHttp(server.server().port())) {
            StringBuilder chunks = new StringBuilder();
            String chunk = "a".repeat(4096);
            for (int i = 0; i < 2 * LIMIT / 4096; i++) {
                chunks.append("1000\r\n").append(chunk).append("\r\n");
            }
            client.write("POST /v1/mine?n=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                    + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunks + "0\r\n\r\n");
            String answer = client.readUntilClosed(20);
            assertEquals(List.of(413), RawHttp.statuses(answer), answer);
            assertFalse(answer.endsWith("\u0000"), "the client asked to close, so the connection was closed: "
                    + answer);
            assertFalse(server.log().toString().contains("Exception"), server.log().toString());
        }
    }

    @Test
    void aBodyOverTheLimitWithConnectionCloseGets413AndTheConnectionCloses() {
        try (ServeFixture.Running server = start(1, 4, 5);
             RawHttp client = new RawHttp(server.server().port())) {
            client.write("POST /v1/mine?n=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + 2 * LIMIT + "\r\nConnection: close\r\n\r\n").write(new byte[2 * LIMIT]);
            String answer = client.readUntilClosed(20);
            assertEquals(List.of(413), RawHttp.statuses(answer), answer);
            assertFalse(answer.endsWith("\u0000"), "the connection was closed: " + answer);
        }
    }

    @Test
    void aReadBodyLeavesNoCheckOnTheDeadlineTimer() {
        // A deadline's check holds the request, its connection and buffers: were it left on the timer until it
        // came due (60 s here), an overload would keep every call of the last minute on the heap.
        try (ServeFixture.Running server = start(1, 4, 60)) {
            for (int i = 0; i < 20; i++) {
                HttpResponse<byte[]> answer = server.post("/v1/mine?n=0", "application/octet-stream", new byte[16]);
                assertTrue(answer.statusCode() < 500, ServeFixture.text(answer));
            }
            assertEquals(0, BodyReader.pendingDeadlines(), "checks left on the timer after every read ended");
        }
    }

    @Test
    void aMalformedChunkGets400OnceAndTheConnectionCloses() {
        try (ServeFixture.Running server = start(1, 4, 5);
             RawHttp client = new RawHttp(server.server().port())) {
            client.write("POST /v1/mine?n=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
            String answer = client.readUntilClosed(60);
            assertEquals(List.of(400), RawHttp.statuses(answer), answer);
            assertFalse(answer.endsWith("\u0000"), "the connection was closed: " + answer);
            assertFalse(server.log().toString().contains("Exception"), server.log().toString());
        }
    }

    @Test
    void stalledUploadsHoldWaitingPlacesNeverRunningSlotsAndAreCutOffAtTheirDeadline() throws Exception {
        try (ServeFixture.Running server = start(1, 2, 1);
             RawHttp stalled1 = new RawHttp(server.server().port());
             RawHttp stalled2 = new RawHttp(server.server().port())) {
            long t0 = System.nanoTime();
            for (RawHttp stalled : List.of(stalled1, stalled2)) {
                stalled.write("POST /v1/mine?n=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Length: 600\r\n\r\n0123456789");
            }
            awaitWaiting(server, 2);
            assertEquals(0, server.server().admission().running(), "a stalled upload holds no running slot");
            HttpResponse<byte[]> other = server.post("/v1/mine?n=0", "application/octet-stream", new byte[0]);
            assertEquals(200, other.statusCode(), "the running slot is free while two uploads stall: "
                    + ServeFixture.text(other));
            for (RawHttp stalled : List.of(stalled1, stalled2)) {
                String answer = stalled.readUntilClosed(30);
                assertFalse(answer.endsWith("\u0000"), "cut off at the deadline: " + answer);
                assertEquals(List.of(), RawHttp.statuses(answer), answer);
            }
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30));
            awaitWaiting(server, 0);
            assertEquals(200, server.post("/v1/mine?n=0", "application/octet-stream", new byte[0]).statusCode());
            assertFalse(server.log().toString().contains("Exception"), server.log().toString());
        }
    }

    @Test
    void aClientThatLeavesMidBodyGetsNoAnswerAndLeavesNoStackTrace() throws Exception {
        try (ServeFixture.Running server = start(1, 2, 5)) {
            try (RawHttp client = new RawHttp(server.server().port())) {
                client.write("POST /v1/mine?n=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Length: 600\r\n\r\n0123456789");
                awaitWaiting(server, 1);
            }
            awaitWaiting(server, 0);
            assertEquals(200, server.get("/v1/health").statusCode());
            assertFalse(server.log().toString().contains("Exception"), server.log().toString());
        }
    }

    @Test
    void bodiesBeyondTheBudgetAreRefused503() throws Exception {
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(dir, null, null,
                new RequestLimits(16, LIMIT, 1, 4, LIMIT, HOLD_SECONDS_PER_MIB)));
             RawHttp holder = new RawHttp(server.server().port())) {
            // One body of the whole budget's size, still arriving, holds the budget.
            holder.write("POST /v1/mine?n=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + LIMIT + "\r\n\r\n0123456789");
            awaitWaiting(server, 1);
            HttpResponse<byte[]> refused = server.post("/v1/mine?n=0", "application/octet-stream", new byte[16]);
            assertEquals(503, refused.statusCode(), ServeFixture.text(refused));
            assertTrue(ServeFixture.text(refused).contains("--max-bodies-mb"), ServeFixture.text(refused));
            assertEquals("1", refused.headers().firstValue("Retry-After").orElseThrow());
        }
    }

    @Test
    void aBodyBeyondTheBudgetIsReadBeforeIts503SoTheClientReadsItInsteadOfAReset() throws Exception {
        // Closed with the client's bytes unread, the connection was reset: a client still sending its body, or that had
        // not yet read its 503, lost the answer (a broken pipe or a reset instead).
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(dir, null, null,
                new RequestLimits(16, LIMIT, 1, 4, LIMIT, HOLD_SECONDS_PER_MIB)));
             RawHttp holder = new RawHttp(server.server().port());
             RawHttp refused = new RawHttp(server.server().port())) {
            holder.write("POST /v1/mine?n=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + LIMIT + "\r\n\r\n0123456789");
            awaitWaiting(server, 1);
            String answer = answeredAfterItsWholeBody(refused);
            assertEquals(List.of(503), RawHttp.statuses(answer), answer);
            assertTrue(answer.contains("--max-bodies-mb"), answer);
            assertFalse(answer.endsWith("\u0000"), "the refused call's connection was closed: " + answer);
            assertFalse(server.log().toString().contains("Exception"), server.log().toString());
        }
    }

    @Test
    void aCallBeyondThePlacesGets503AfterItsBodyIsReadAndItsConnectionCloses() throws Exception {
        // Kept alive, every refused call's connection stayed open idle with its buffers: the heap followed the
        // clients, not the calls held.
        try (ServeFixture.Running server = start(1, 0, HOLD_SECONDS_PER_MIB);
             RawHttp holder = new RawHttp(server.server().port());
             RawHttp refused = new RawHttp(server.server().port())) {
            holder.write("POST /v1/mine?n=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: 600\r\n\r\n0123456789");
            awaitWaiting(server, 1);
            refused.write("POST /v1/mine?n=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + LIMIT / 2 + "\r\n\r\n").write(new byte[LIMIT / 2]);
            String answer = refused.readUntilClosed(20);
            assertEquals(List.of(503), RawHttp.statuses(answer), answer);
            assertTrue(answer.contains("Retry-After: 1"), answer);
            assertFalse(answer.endsWith("\u0000"), "the refused call's connection was closed: " + answer);
            assertFalse(server.log().toString().contains("Exception"), server.log().toString());
        }
    }

    @Test
    void callsBeyondThePlacesAndAFewDozenMoreAreAllRefusedByTheAdmissionAfterTheirBodyIsRead() throws Exception {
        // The framework's own bound on requests (the places and 16 more) answered the one past it 503 and closed with its
        // body unread: a reset instead of the answer for a client still sending.
        List<RawHttp> holders = new java.util.ArrayList<>();
        try (ServeFixture.Running server = start(1, 0, 30)) {
            try {
                for (int i = 0; i < 24; i++) {
                    RawHttp holder = new RawHttp(server.server().port());
                    holders.add(holder);
                    holder.write("POST /v1/mine?n=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                            + "Content-Length: 600\r\n\r\n0123456789");
                }
                awaitWaiting(server, 1);
                try (RawHttp refused = new RawHttp(server.server().port())) {
                    String answer = answeredAfterItsWholeBody(refused);
                    assertEquals(List.of(503), RawHttp.statuses(answer), answer);
                    assertTrue(answer.contains("at capacity"), answer);
                }
            } finally {
                holders.forEach(RawHttp::close);
            }
        }
    }

    /** Waits (30 s at most) until {@code n} calls hold a waiting place. */
    private static void awaitWaiting(ServeFixture.Running server, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (server.server().admission().waiting() != n && System.nanoTime() < deadline) {
            Thread.sleep(5); // the admission has no event to wait on; bounded by the deadline
        }
        assertEquals(n, server.server().admission().waiting(), "calls holding a waiting place");
    }

    /**
     * Sends a mine call of half the body limit in two halves, checks that nothing is answered before the second, and
     * returns all the connection gave back until it closed: a refusal must come after the whole body was read.
     */
    private static String answeredAfterItsWholeBody(RawHttp refused) throws Exception {
        refused.write("POST /v1/mine?n=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + LIMIT / 2 + "\r\n\r\n").write(new byte[LIMIT / 4]);
        assertEquals("\u0000", refused.readUntilClosed(1), "nothing answered before the body was all read");
        refused.write(new byte[LIMIT / 4]);
        return refused.readUntilClosed(20);
    }
}
