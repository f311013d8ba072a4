package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request path's warm-up ({@link RequestWarmUp}): real requests of both body shapes before the server listens,
 * none of them counted, seen or kept, with the token when the server has one.
 */
class RequestWarmUpTest {
    private static final String TOKEN = "fedcba9876543210fedcba9876543210";
    /** One round: health, status, and a block and a single anchor in each body shape. */
    private static final int ROUND = 6;

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeData() throws IOException {
        ServeFixture.writeCatalog(dir, 5_000, 20, 16);
        Files.writeString(dir.resolve("token.txt"), TOKEN + "\n");
        Files.setPosixFilePermissions(dir.resolve("token.txt"), PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void theWarmUpsRequestsLeaveTheRequestMetricsAtZeroAndServeStateAsItWas() throws IOException {
        Path store = dir.resolve("negatives.cmap");
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(dir, null, store,
                ServeFixture.limits()))) {
            RequestWarmUp.Report warmUp = server.server().warmUp();
            assertNull(warmUp.stopped(), warmUp.describe());
            assertTrue(warmUp.requests() >= ROUND, warmUp.describe());
            assertTrue(server.log().toString().contains("quarry serve: request path warmed up in "), server.log().toString());

            String metrics = ServeFixture.text(server.get("/metrics")); // counted once sent: not in its own text
            assertFalse(metrics.contains("quarry_requests_total{"), metrics);
            assertMetric(metrics, "quarry_mine_anchors_total", 0);
            assertMetric(metrics, "quarry_mine_latency_seconds_count", 0);
            assertMetric(metrics, "quarry_index_version", 1);
            assertMetric(metrics, "quarry_refreshes_total{result=\"ok\"}", 0);

            String status = ServeFixture.text(server.get("/v1/status"));
            for (String field : List.of("\"index_version\":1,", "\"refreshes\":0,", "\"last_refresh\":null,",
                    "\"running\":0,", "\"waiting\":0,", "\"negatives_stored\":0,", "\"refreshing\":false,")) {
                assertTrue(status.contains(field), field + " in " + status);
            }
            assertEquals(1, server.server().indexVersion());
            try (Stream<Path> files = Files.list(dir.resolve("serve-work"))) {
                assertTrue(files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith("."))
                        .allMatch(n -> n.startsWith("v1-")), "only the first version's copies in the work directory");
            }

            // the user's requests are counted from the first
            assertEquals(200, server.get("/v1/status").statusCode());
            assertMetric(ServeFixture.text(server.get("/metrics")), "quarry_requests_total{route=\"status\",status=\"200\"}",
                    2);
        }
    }

    @Test
    void aServerWithATokenWarmsUpWithItAndStillRefusesCallsWithoutIt() {
        try (ServeFixture.Running server = ServeFixture.Running.start(ServeFixture.settings(dir,
                BearerToken.read(dir.resolve("token.txt")), null, ServeFixture.limits()))) {
            RequestWarmUp.Report warmUp = server.server().warmUp();
            // a request the token filter refused would have stopped the warm-up with its 401
            assertNull(warmUp.stopped(), warmUp.describe());
            assertTrue(warmUp.requests() >= ROUND, warmUp.describe());
            assertEquals(401, server.get("/v1/status").statusCode());
            assertEquals(401, server.post("/v1/mine?n=0", "application/octet-stream", new byte[0]).statusCode());
            assertEquals(200, server.get("/v1/status", "Authorization", "Bearer " + TOKEN).statusCode());
        }
    }

    @Test
    void theServerListensOnlyOnceTheWarmUpIsOver() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        ServeSettings any = ServeFixture.settings(dir, null, null, ServeFixture.limits());
        ServeSettings settings = new ServeSettings(any.corpus(), any.index(), null, "127.0.0.1", port, null, null,
                10_000, any.search(), any.limits(), dir, 2, any.preset(), dir.resolve("serve-work"), HeldOutSettings.none());
        List<String> duringWarmUp = new ArrayList<>();
        RequestWarmUp.afterRound = () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                duringWarmUp.add("connected");
            } catch (ConnectException e) {
                duringWarmUp.add("refused");
            } catch (IOException e) {
                duringWarmUp.add(e.toString());
            }
        };
        try (ServeFixture.Running server = ServeFixture.Running.start(settings)) {
            RequestWarmUp.afterRound = null;
            assertEquals(server.server().warmUp().rounds(), duringWarmUp.size());
            assertFalse(duringWarmUp.isEmpty());
            assertTrue(duringWarmUp.stream().allMatch("refused"::equals), duringWarmUp.toString());
            assertEquals(port, server.server().port());
            assertEquals(200, server.get("/v1/health").statusCode());
        } finally {
            RequestWarmUp.afterRound = null;
        }
    }

    /** The value of a metric's line (name with its labels) in the Prometheus text. */
    private static void assertMetric(String metrics, String series, double expected) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        assertTrue(m.find(), series + " in " + metrics);
        assertEquals(expected, Double.parseDouble(m.group(1)), series);
    }
}
