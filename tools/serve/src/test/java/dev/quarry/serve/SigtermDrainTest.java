package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.TestHooks;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quarry serve} in a child JVM: SIGTERM lets the call in flight finish, then the process exits 0. */
class SigtermDrainTest {
    private static final int ANCHORS = 100;

    @TempDir
    Path dir;

    @Test
    void sigtermDrainsTheCallInFlightAndExitsZero() throws Exception {
        ServeFixture.writeCatalog(dir, 20_000, 10, 32);
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent") && !arg.startsWith("-Xrunjdwp")) {
                command.add(arg);
            }
        }
        Path release = dir.resolve("release");
        command.add("-D" + TestHooks.HOLD_MINE_CALLS + "=" + release); // a call waits in flight until released
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.quarry.cli.QuarryMain", "serve",
                "--corpus", dir.resolve("corpus.qvec").toString(), "--bind", "127.0.0.1:0", "--threads", "1",
                "--max-anchors", Integer.toString(ANCHORS), "--max-running", "1"));
        // Output to a file: destroy() closes the pipes of a child, and what it says after SIGTERM matters here.
        Path log = dir.resolve("serve.log");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int port = -1;
        Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/");
        long ready = System.nanoTime() + 120_000_000_000L;
        while (port < 0 && child.isAlive() && System.nanoTime() < ready) {
            Matcher m = listening.matcher(Files.readString(log));
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
            }
            Thread.sleep(50);
        }
        assertTrue(port > 0, Files.readString(log));

        // A call held in flight by the test hook until this test releases it, after SIGTERM.
        ByteBuffer body = ByteBuffer.allocate(ANCHORS * 32 * 4 + ANCHORS * 3).order(ByteOrder.LITTLE_ENDIAN);
        Random random = new Random(1);
        for (int i = 0; i < ANCHORS * 32; i++) {
            body.putFloat((float) random.nextGaussian());
        }
        for (int i = 0; i < ANCHORS; i++) {
            body.put("d0\n".getBytes(StandardCharsets.UTF_8));
        }
        String base = "http://127.0.0.1:" + port;
        CompletableFuture<HttpResponse<byte[]>> inFlight = ServeFixture.HTTP.sendAsync(HttpRequest.newBuilder(
                        URI.create(base + "/v1/mine?n=" + ANCHORS)).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.array())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        Path held = dir.resolve("release.held");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(held) && !inFlight.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(5); // the child signals by a file: another process cannot count down a latch of ours
        }
        assertTrue(Files.exists(held), () -> "the call was not admitted within 60 s: " + inFlight);
        assertTrue(!inFlight.isDone(), "the call should still be running when SIGTERM is sent");
        child.destroy(); // SIGTERM
        long stopping = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains("draining the calls in flight") && System.nanoTime() < stopping) {
            Thread.sleep(5);
        }
        assertTrue(!inFlight.isDone(), "the held call is still in flight while the server drains");
        Files.writeString(release, "go\n");
        HttpResponse<byte[]> answer = inFlight.get(60, TimeUnit.SECONDS);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), Files.readString(log));
        String output = Files.readString(log);
        assertEquals(200, answer.statusCode(), output);
        assertEquals(ANCHORS * 3 * 8, answer.body().length);
        assertEquals(0, child.exitValue(), output);
        assertTrue(output.contains("quarry serve: stopping: draining the calls in flight"), output);
        assertTrue(output.contains("quarry serve: stopped"), output);
        assertTrue(!output.contains("Exception"), output);
    }
}
