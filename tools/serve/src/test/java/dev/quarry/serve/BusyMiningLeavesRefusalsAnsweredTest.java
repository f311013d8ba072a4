package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.TestHooks;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mining is CPU-bound: if it ran on the request's own (virtual) thread, calls mining on every carrier of
 * the virtual-thread scheduler would leave no carrier to answer anyone else, and under an overload the
 * refusals (503) would queue behind the mining for as long as it lasts. Here every running slot mines on a
 * thread it keeps busy (the {@link TestHooks#SPIN_MINE_CALLS} hook spins, never parks) with as many running
 * slots as carriers, and a call beyond the places must still get its 503 while they spin.
 */
class BusyMiningLeavesRefusalsAnsweredTest {
    /** Carriers of the virtual-thread scheduler: its parallelism, by default the cores. */
    private static final int CARRIERS = Integer.getInteger("jdk.virtualThreadScheduler.parallelism",
            Runtime.getRuntime().availableProcessors());

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeData() {
        ServeFixture.writeCatalog(dir, 2_000, 10, 16);
    }

    @Test
    void aCallBeyondThePlacesIsRefusedWhileEveryRunningCallKeepsItsThreadBusy() throws Exception {
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(dir, null, null,
                new RequestLimits(16, 1 << 20, CARRIERS, 0)))) {
            List<CompletableFuture<HttpResponse<byte[]>>> busy = new ArrayList<>();
            System.setProperty(TestHooks.SPIN_MINE_CALLS, "on");
            try {
                for (int i = 0; i < CARRIERS; i++) {
                    busy.add(ServeFixture.HTTP.sendAsync(HttpRequest.newBuilder(server.uri("/v1/mine?n=0"))
                            .header("Content-Type", "application/octet-stream")
                            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray()));
                }
                Admission admission = server.server().admission();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (admission.running() < CARRIERS && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(1_000_000);
                }
                assertEquals(CARRIERS, admission.running(), "every running slot taken by a spinning call");
                // The refusal must come while they still spin: the hook is released only after it (or its deadline).
                HttpResponse<byte[]> refused = ServeFixture.HTTP.send(HttpRequest.newBuilder(server.uri("/v1/mine?n=0"))
                        .header("Content-Type", "application/octet-stream").timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(503, refused.statusCode(), ServeFixture.text(refused));
                assertEquals(CARRIERS, admission.running(), "the running calls were still spinning when it came");
            } finally {
                System.clearProperty(TestHooks.SPIN_MINE_CALLS);
            }
            for (CompletableFuture<HttpResponse<byte[]>> call : busy) {
                HttpResponse<byte[]> answer = call.get(60, TimeUnit.SECONDS);
                assertEquals(200, answer.statusCode(), ServeFixture.text(answer));
            }
        }
    }
}
