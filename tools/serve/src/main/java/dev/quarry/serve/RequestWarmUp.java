package dev.quarry.serve;

import dev.quarry.mining.WarmUpRounds;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The server's own request path, warmed up before it listens: a trainer's first calls, sent over loopback
 * through the same HTTP stack, filters, routing, decoding, mining and encoding, so that the first real call
 * meets compiled code. Without it the first 64-anchor call of a fresh server took 5-7 times the steady p50
 * while a fresh client of a server that had answered took 1.1-1.3 times: the miner was warm (it warms up when
 * built), its request path was not.
 *
 * <p>The requests go to a listener of their own on a loopback port the system picks, whose routing is the
 * server's ({@link ServeRouting}) over parts of its own ({@link ServeRouting.ServeParts#forWarmUp}): the same
 * service, version, limits, default options and bearer token, but its own admission, metrics and accounting,
 * no negatives store and no refresh route. So nothing the warm-up does shows in {@code /metrics} or
 * {@code /v1/status}, nothing served changes, and the server's own address is bound only afterwards: until
 * then a client is refused as before, and the health route answering means the warm-up is over.
 *
 * <p>Each round opens a connection (a new client's accept and first request) and sends on it what a trainer
 * sends first: {@code GET /v1/health}, {@code GET /v1/status}, then mine calls of both body shapes (binary,
 * as the Python client's {@code mine}; JSON, as its {@code mine_json}) with a block of anchors and with one,
 * corpus rows as anchors and corpus ids as positives (half their own row, half a far one, so both sides of the
 * filters run), with no options: the server's defaults. Rounds go on until the JIT has compiled nothing new
 * for five rounds and rounds stopped getting faster, within {@link #CAP_NANOS} of requests (the first round is
 * always whole), as a miner's own warm-up does. A request answered other than 200 ends the warm-up early, said
 * in its report and the log; the server still starts.
 */
final class RequestWarmUp {
    /** The longest the warm-up runs, as a miner's warm-up. */
    static final long CAP_NANOS = 5_000_000_000L;
    /** The anchors of a block call: the Python client's batches in the benchmarks, and every panel width. */
    private static final int BLOCK = 64;
    /** For tests: run after each round, while the warm-up's listener is up. */
    static volatile Runnable afterRound;

    private RequestWarmUp() {
    }

    /** Starts a listener on {@code host:port} with the routing built over {@code parts}. */
    @FunctionalInterface
    interface Listener {
        WebServer start(String host, int port, ServeRouting.ServeParts parts);
    }

    /**
     * What the warm-up did: rounds, requests answered (200), its time, whether it ran into its cap rather than
     * ending with the JIT quiet, and why it stopped early (null: it did not).
     */
    record Report(int rounds, int requests, double seconds, boolean capped, String stopped) {
        String describe() {
            return String.format(java.util.Locale.ROOT, "request path warmed up in %.1f s (%d requests over loopback"
                    + " in %d rounds, %s; not counted in /metrics)%s", seconds, requests, rounds,
                    capped ? "stopped at the " + CAP_NANOS / 1_000_000_000L + " s cap" : "until the JIT went quiet",
                    stopped == null ? "" : "; stopped early: " + stopped);
        }
    }

    /** One request of a round. */
    private record Call(String what, String method, String target, String type, byte[] body) {
    }

    /** Runs the warm-up on a listener of its own over {@code served}'s parts, stopped before this returns. */
    static Report run(ServeRouting.ServeParts served, Listener listen) {
        long start = System.nanoTime();
        RequestLimits limits = served.limits();
        List<Call> calls = calls(served.service().current(), limits);
        Admission admission = new Admission(limits.running(), limits.waiting(), limits.bodiesBytes());
        WebServer server = null;
        try {
            server = listen.start(InetAddress.getLoopbackAddress().getHostAddress(), 0, served.forWarmUp(admission));
            return rounds(server.port(), served.token(), calls, start, System.nanoTime());
        } finally {
            if (server != null) {
                server.stop();
            }
            admission.close();
        }
    }

    /**
     * Rounds from {@code first} (the cap counts the requests' time, not the listener's start) until the JIT is
     * quiet or the cap is reached; every request is sent once whatever the cap, so a very slow start still
     * meets each route once.
     */
    private static Report rounds(int port, BearerToken token, List<Call> calls, long start, long first) {
        WarmUpRounds settling = new WarmUpRounds();
        int rounds = 0;
        int requests = 0;
        String stopped = null;
        boolean capped = false;
        while (!capped) {
            long t = System.nanoTime();
            try (LoopbackClient client = new LoopbackClient(port, token == null ? null : token.authorization())) {
                for (Call call : calls) {
                    if (rounds > 0 && System.nanoTime() - first >= CAP_NANOS) {
                        capped = true;
                        break;
                    }
                    LoopbackClient.Reply reply = client.send(call.method(), call.target(), call.type(), call.body());
                    if (reply.status() != 200) {
                        stopped = call.what() + " answered " + reply.status() + ": " + Printable.of(reply.text());
                        break;
                    }
                    requests++;
                }
            } catch (IOException e) {
                stopped = e.getMessage() != null ? e.getMessage() : e.toString();
            }
            rounds++;
            Runnable hook = afterRound;
            if (hook != null) {
                hook.run();
            }
            if (stopped != null) {
                break;
            }
            if (settling.settled(System.nanoTime() - t)) {
                break;
            }
            capped = System.nanoTime() - first >= CAP_NANOS;
        }
        return new Report(rounds, requests, (System.nanoTime() - start) / 1e9, capped, stopped);
    }

    /** A round's requests, from the version served: its rows as anchors, its ids as positives. */
    private static List<Call> calls(ServedIndex served, RequestLimits limits) {
        long rows = served.corpus().count();
        int block = (int) Math.max(1, Math.min(Math.min(BLOCK, limits.maxAnchors()), rows));
        // a body past the server's bound would be refused: fewer anchors then (only a small --max-body-mb and a
        // large dimension come near it)
        while (block > 1 && jsonBody(served, block).length > limits.maxBodyBytes()) {
            block /= 2;
        }
        List<Call> calls = new ArrayList<>();
        calls.add(new Call("GET /v1/health", "GET", HealthResource.PATH, null, null));
        calls.add(new Call("GET /v1/status", "GET", StatusResource.PATH, null, null));
        for (int n : block == 1 ? new int[] {1} : new int[] {block, 1}) {
            calls.add(new Call("POST /v1/mine (binary, " + n + " anchors)", "POST", MineResource.PATH + "?n=" + n,
                    Answer.OCTETS, binaryBody(served, n)));
            calls.add(new Call("POST /v1/mine (JSON, " + n + " anchors)", "POST", MineResource.PATH, Answer.JSON,
                    jsonBody(served, n)));
        }
        return calls;
    }

    /** The anchors' rows, spread through the corpus. */
    private static long row(ServedIndex served, int i, int n) {
        return i * (served.corpus().count() / n);
    }

    /** Anchor {@code i}'s positive: its own row for even {@code i}, a far row for odd (both sides of the filters). */
    private static String positive(ServedIndex served, int i, int n) {
        long count = served.corpus().count();
        long row = row(served, i, n);
        return served.ids().id((int) (i % 2 == 0 ? row : (row + count / 2) % count));
    }

    /** The binary shape: n x dim float32 little-endian, then one line of positive ids per anchor. */
    private static byte[] binaryBody(ServedIndex served, int n) {
        int dim = served.corpus().dim();
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < n; i++) {
            lines.append(positive(served, i, n)).append('\n');
        }
        byte[] text = lines.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(n * dim * Float.BYTES + text.length).order(ByteOrder.LITTLE_ENDIAN);
        float[] vector = new float[dim];
        for (int i = 0; i < n; i++) {
            served.corpus().copyRow(row(served, i, n), vector);
            for (float v : vector) {
                body.putFloat(v);
            }
        }
        return body.put(text).array();
    }

    /** The JSON shape: {@code {"anchors": [[...]], "positives": [["id"], ...]}}, numbers as a float64 prints. */
    private static byte[] jsonBody(ServedIndex served, int n) {
        int dim = served.corpus().dim();
        StringBuilder json = new StringBuilder(n * dim * 12).append("{\"anchors\": [");
        float[] vector = new float[dim];
        for (int i = 0; i < n; i++) {
            served.corpus().copyRow(row(served, i, n), vector);
            json.append(i == 0 ? "[" : ", [");
            for (int j = 0; j < dim; j++) {
                json.append(j == 0 ? "" : ", ").append((double) vector[j]);
            }
            json.append(']');
        }
        json.append("], \"positives\": [");
        for (int i = 0; i < n; i++) {
            json.append(i == 0 ? "[\"" : ", [\"").append(jsonText(positive(served, i, n))).append("\"]");
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** An id as a JSON string's content. */
    private static String jsonText(String id) {
        StringBuilder out = new StringBuilder(id.length());
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
