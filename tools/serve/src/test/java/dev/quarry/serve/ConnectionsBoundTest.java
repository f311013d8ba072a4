package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connections accepted at once are bounded ({@code --max-connections}): past the bound a client waits
 * in the system's accept queue, unread and not reset, and is answered once a connection closes, so the
 * heap holds the buffers of the accepted connections only, however fast clients connect. An idle
 * connection is closed after {@code --idle-timeout}, so idle clients cannot hold the places for good.
 */
class ConnectionsBoundTest {
    private static final String HEALTH = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeData() {
        ServeFixture.writeCatalog(dir, 500, 10, 16);
    }

    private static ServeFixture.Running serverWith(int connections, int idleSeconds) {
        return ServeFixture.Running.start(ServeFixture.settings(dir, null, null, new RequestLimits(16, 1 << 20, 2, 4,
                1 << 20, RequestLimits.DEFAULT_BODY_SECONDS_PER_MIB, connections, idleSeconds)));
    }

    @Test
    void aClientPastTheBoundIsAnsweredOnceAConnectionClosesNotBefore() throws Exception {
        try (ServeFixture.Running server = serverWith(1, 3600);
             RawHttp held = new RawHttp(server.server().port())) {
            // The held connection is answered, so it is accepted and holds the only place.
            assertEquals(List.of(200), RawHttp.statuses(held.write(HEALTH).readResponse()), "the first connection");
            CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> {
                try (RawHttp next = new RawHttp(server.server().port())) {
                    String answer = next.write(HEALTH).readResponse();
                    return System.nanoTime() + " " + answer;
                }
            });
            // Past the bound the second client's request is not read: no answer while the first stays open.
            // (On a machine too slow to answer within the second, this only passes for want of evidence.)
            assertThrows(TimeoutException.class, () -> waiting.get(1, TimeUnit.SECONDS),
                    "a client past --max-connections was answered while the place was held");
            long closed = System.nanoTime();
            held.close();
            String[] answer = waiting.get(60, TimeUnit.SECONDS).split(" ", 2);
            assertTrue(Long.parseLong(answer[0]) >= closed, "answered after the held connection closed");
            assertEquals(List.of(200), RawHttp.statuses(answer[1]), "the waiting client is answered, not reset");
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeAndItsPlaceServesTheNextClient() {
        try (ServeFixture.Running server = serverWith(1, 1);
             RawHttp idle = new RawHttp(server.server().port())) {
            assertEquals(List.of(200), RawHttp.statuses(idle.write(HEALTH).readResponse()), "the first connection");
            // Kept alive and then idle: the server closes it (end of stream, not a reset) within 60 s.
            assertEquals(-1, idle.readByte(60), "the idle connection is closed by the server");
            try (RawHttp next = new RawHttp(server.server().port())) {
                assertEquals(List.of(200), RawHttp.statuses(next.write(HEALTH).readResponse()),
                        "the freed place serves the next client");
            }
        }
    }
}
