package dev.quarry.bench.latency;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Load on a running {@code quarry serve}, from Java clients over loopback, percentiles from
 * HdrHistogram. Modes:
 * <ul>
 * <li>{@code --positives OUT.tsv}: writes each query's positive (its best row at nprobe 64, or over every list
 *     of an index with fewer; exact without an index) for the clients to send: {@code query-row TAB corpus-id}.</li>
 * <li>{@code --threads 8 --requests 10000 [--refresh CORPUS.qvec]}: closed loop on that many
 *     connections; the refresh is asked for half-way; counts failures, checks no request body got two
 *     different answers from one index version (an answer mixing versions would), and reports latency
 *     before, during and after the refresh.</li>
 * <li>{@code --rate R --seconds S}: open loop at R requests/s, each timed from when it was due (no
 *     coordinated omission); counts 503s; reads the server's heap from /metrics through the run.</li>
 * <li>{@code --percentiles RAW.txt [--first FIRST.txt] [--ready S] [--load TEXT]}: HdrHistogram percentiles of
 *     latencies in microseconds, one per line (what the Python client's run writes); with {@code --first}, the
 *     calls timed apart before them (a fresh server's first calls, or the first after a refresh) as
 *     {@code first_ms}, {@code second_ms} and {@code first_over_p50} (the first against RAW's p50); {@code --ready}
 *     and {@code --load} are carried into the line as {@code ready_s} and {@code load}.</li>
 * </ul>
 * Results go to stdout as one JSON line per series (and to {@code --json FILE}).
 */
public final class ServeLoad {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private ServeLoad() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new java.util.HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            o.put(args[i].substring(2), args[i + 1]);
        }
        Path json = o.containsKey("json") ? Path.of(o.get("json")) : null;
        String label = o.getOrDefault("label", "serve");
        if (o.containsKey("percentiles")) {
            Histogram h = new Histogram(3_600_000_000_000L, 3);
            for (String line : Files.readAllLines(Path.of(o.get("percentiles")))) {
                if (!line.isBlank()) {
                    h.recordValue(Math.round(Double.parseDouble(line.strip()) * 1000));
                }
            }
            Map<String, Object> extra = new java.util.LinkedHashMap<>();
            if (o.containsKey("first")) {
                List<Double> first = Files.readAllLines(Path.of(o.get("first"))).stream().filter(l -> !l.isBlank())
                        .map(l -> Double.parseDouble(l.strip()) / 1000).toList();
                extra.put("first_ms", first.get(0));
                if (first.size() > 1) {
                    extra.put("second_ms", first.get(1));
                }
                extra.put("first_over_p50", first.get(0) / (h.getValueAtPercentile(50) / 1e6));
            }
            if (o.containsKey("ready")) {
                extra.put("ready_s", Double.parseDouble(o.get("ready")));
            }
            if (o.containsKey("load")) {
                extra.put("load", o.get("load"));
            }
            emit(json, label, o.getOrDefault("mode", "python client"), h, extra);
            return;
        }
        if (o.containsKey("positives")) {
            writePositives(Path.of(o.get("corpus")), o.get("index"), Path.of(o.get("queries")),
                    Integer.parseInt(o.getOrDefault("count", "20000")), Path.of(o.get("positives")));
            return;
        }
        String url = o.get("url");
        int batch = Integer.parseInt(o.getOrDefault("batch", "64"));
        String query = "/v1/mine?n=" + batch + (o.containsKey("nprobe") ? "&nprobe=" + o.get("nprobe") : "");
        List<byte[]> bodies = bodies(Path.of(o.get("queries")), Path.of(o.get("positives-file")), batch,
                Integer.parseInt(o.getOrDefault("bodies", "64")));
        if (o.containsKey("rate")) {
            openLoop(json, label, url + query, bodies, Double.parseDouble(o.get("rate")),
                    Double.parseDouble(o.getOrDefault("seconds", "20")), url);
        } else {
            closedLoop(json, label, url, url + query, bodies, Integer.parseInt(o.getOrDefault("threads", "8")),
                    Integer.parseInt(o.getOrDefault("requests", "10000")), o.get("refresh"));
        }
    }

    /** Request bodies of {@code batch} consecutive queries each, with their positives. */
    private static List<byte[]> bodies(Path queriesFile, Path positivesFile, int batch, int count) throws IOException {
        List<String> positives = Files.readAllLines(positivesFile);
        List<byte[]> out = new ArrayList<>();
        try (VectorStore queries = VectorStore.open(queriesFile)) {
            int dim = queries.dim();
            float[] row = new float[dim];
            for (int b = 0; b < count && (b + 1) * batch <= positives.size(); b++) {
                ByteBuffer vectors = ByteBuffer.allocate(batch * dim * 4).order(ByteOrder.LITTLE_ENDIAN);
                StringBuilder lines = new StringBuilder();
                for (int i = b * batch; i < (b + 1) * batch; i++) {
                    String[] f = positives.get(i).split("\t");
                    queries.copyRow(Integer.parseInt(f[0]), row);
                    for (float x : row) {
                        vectors.putFloat(x);
                    }
                    lines.append(f[1]).append('\n');
                }
                byte[] text = lines.toString().getBytes(StandardCharsets.UTF_8);
                byte[] body = Arrays.copyOf(vectors.array(), vectors.capacity() + text.length);
                System.arraycopy(text, 0, body, vectors.capacity(), text.length);
                out.add(body);
            }
        }
        return out;
    }

    private static HttpRequest mine(String uri, byte[] body) {
        return HttpRequest.newBuilder(URI.create(uri)).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private static void closedLoop(Path json, String label, String base, String uri, List<byte[]> bodies, int threads,
                                   int requests, String refresh) throws Exception {
        Recorder before = new Recorder(3);
        Recorder during = new Recorder(3);
        Recorder after = new Recorder(3);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger mixed = new AtomicInteger();
        AtomicBoolean refreshing = new AtomicBoolean();
        AtomicBoolean refreshed = new AtomicBoolean();
        Map<String, byte[]> seen = new ConcurrentHashMap<>();
        Map<Long, AtomicLong> versions = new ConcurrentHashMap<>();
        AtomicLong refreshNanos = new AtomicLong();
        AtomicInteger limit = new AtomicInteger(requests);
        List<Thread> clients = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            clients.add(Thread.ofPlatform().start(() -> {
                // With a refresh, the clients go on past `requests` until it is done and a tenth as many
                // requests again ran on the new version: a slow refresh still gets its "after".
                for (int i; (i = next.getAndIncrement()) < limit.get()
                        || (refresh != null && !refreshed.get() && i >= requests); ) {
                    if (refresh != null && i == requests / 2) {
                        refreshNanos.set(System.nanoTime());
                        startRefresh(base, refresh); // the server is refreshing once this returns 202
                        refreshing.set(true);
                    }
                    int which = i % bodies.size();
                    long t0 = System.nanoTime();
                    HttpResponse<byte[]> answer;
                    try {
                        answer = HTTP.send(mine(uri, bodies.get(which)), HttpResponse.BodyHandlers.ofByteArray());
                    } catch (IOException | InterruptedException e) {
                        failed.incrementAndGet();
                        continue;
                    }
                    long took = System.nanoTime() - t0;
                    if (answer.statusCode() != 200) {
                        failed.incrementAndGet();
                        continue;
                    }
                    long version = Long.parseLong(answer.headers().firstValue("Quarry-Index-Version").orElse("-1"));
                    versions.computeIfAbsent(version, v -> new AtomicLong()).incrementAndGet();
                    byte[] was = seen.putIfAbsent(which + "@" + version, answer.body());
                    if (was != null && !Arrays.equals(was, answer.body())) {
                        mixed.incrementAndGet();
                    }
                    (refreshed.get() ? after : refreshing.get() ? during : before).recordValue(took);
                }
            }));
        }
        Thread watcher = null;
        if (refresh != null) {
            watcher = Thread.ofPlatform().daemon().start(() -> {
                while (!refreshing.get()) {
                    LockSupport.parkNanos(1_000_000);
                }
                while (true) {
                    String status = get(base + "/v1/status");
                    if (status.contains("\"refreshing\":false")) {
                        refreshNanos.set(System.nanoTime() - refreshNanos.get());
                        limit.set(Math.max(requests, next.get() + requests / 10));
                        refreshed.set(true);
                        return;
                    }
                    LockSupport.parkNanos(20_000_000);
                }
            });
        }
        for (Thread c : clients) {
            c.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> extra = new java.util.LinkedHashMap<>();
        extra.put("threads", threads);
        extra.put("failed", failed.get());
        extra.put("mixed", mixed.get());
        extra.put("versions", versions.toString());
        extra.put("refresh_s", refreshed.get() ? refreshNanos.get() / 1e9 : -1);
        Histogram all = new Histogram(3_600_000_000_000L, 3);
        Histogram b = before.getIntervalHistogram();
        Histogram d = during.getIntervalHistogram();
        Histogram a = after.getIntervalHistogram();
        all.add(b);
        all.add(d);
        all.add(a);
        long answered = all.getTotalCount() + failed.get();
        extra.put("requests", answered);
        extra.put("requests_per_s", answered / seconds);
        emit(json, label, "closed loop, " + threads + " threads", all, extra);
        if (refresh != null) {
            emit(json, label, "before the refresh", b, Map.of());
            emit(json, label, "during the refresh", d, Map.of());
            emit(json, label, "after the refresh", a, Map.of());
        }
        if (watcher != null) {
            watcher.join(1_000);
        }
    }

    private static void startRefresh(String base, String corpus) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/refresh"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"corpus\": \"" + corpus + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 202) {
                throw new IllegalStateException("refresh: " + r.statusCode() + " " + r.body());
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String get(String uri) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(uri)).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Open loop: requests due every 1/rate s, sent asynchronously, timed from when they were due. */
    private static void openLoop(Path json, String label, String uri, List<byte[]> bodies, double rate, double seconds,
                                 String base) throws Exception {
        Histogram ok = new Histogram(3_600_000_000_000L, 3);
        Histogram refused = new Histogram(3_600_000_000_000L, 3);
        AtomicInteger failed = new AtomicInteger();
        Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        long interval = (long) (1e9 / rate);
        long total = (long) (rate * seconds);
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        AtomicLong maxHeap = new AtomicLong();
        AtomicBoolean done = new AtomicBoolean();
        Thread heap = Thread.ofPlatform().daemon().start(() -> {
            while (!done.get()) {
                maxHeap.accumulateAndGet(heapUsed(base), Math::max);
                LockSupport.parkNanos(200_000_000);
            }
        });
        long start = System.nanoTime();
        for (long i = 0; i < total; i++) {
            long due = start + i * interval;
            long now;
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(Math.max(1_000, due - now - 50_000));
            }
            pending.add(HTTP.sendAsync(mine(uri, bodies.get((int) (i % bodies.size()))),
                    HttpResponse.BodyHandlers.ofByteArray()).handle((r, e) -> {
                        long took = System.nanoTime() - due;
                        if (e != null) {
                            failed.incrementAndGet();
                            failures.computeIfAbsent(failure(e), k -> new AtomicInteger()).incrementAndGet();
                        } else if (r.statusCode() == 200) {
                            synchronized (ok) {
                                ok.recordValue(took);
                            }
                        } else if (r.statusCode() == 503) {
                            synchronized (refused) {
                                refused.recordValue(took);
                            }
                        } else {
                            failed.incrementAndGet();
                            failures.computeIfAbsent("status " + r.statusCode(), k -> new AtomicInteger())
                                    .incrementAndGet();
                        }
                        return null;
                    }));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        double took = (System.nanoTime() - start) / 1e9;
        done.set(true);
        heap.join(1_000);
        Map<String, Object> extra = new java.util.LinkedHashMap<>();
        extra.put("rate", rate);
        extra.put("sent", total);
        extra.put("ok", ok.getTotalCount());
        extra.put("refused_503", refused.getTotalCount());
        extra.put("failed", failed.get());
        extra.put("failures", new java.util.TreeMap<>(failures).toString());
        extra.put("ok_per_s", ok.getTotalCount() / took);
        extra.put("max_heap_mb", maxHeap.get() / 1e6);
        extra.put("refused_p99_ms", refused.getTotalCount() == 0 ? 0 : refused.getValueAtPercentile(99) / 1e6);
        emit(json, label, String.format(Locale.ROOT, "fixed rate %.0f/s", rate), ok, extra);
    }

    /** What a call that got no answer saw: its innermost cause's class and message (a reset, a closed connection...). */
    private static String failure(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        return root.getClass().getSimpleName() + ": " + message.substring(0, Math.min(60, message.length()))
                .replace('"', '\'').replace(',', ';');
    }

    /** The server's heap in use, from /metrics (jvm_memory_used_bytes, area heap, summed over pools). */
    private static long heapUsed(String base) {
        long sum = 0;
        for (String line : get(base + "/metrics").split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private static void emit(Path json, String label, String mode, Histogram h, Map<String, Object> extra)
            throws IOException {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "{\"label\": \"%s\", \"mode\": \"%s\","
                        + " \"count\": %d, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, \"max_ms\": %.3f",
                label, mode, h.getTotalCount(), h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6));
        extra.forEach((k, v) -> line.append(", \"").append(k).append("\": ").append(v instanceof String s
                ? "\"" + s + "\"" : v instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : v));
        line.append('}');
        System.out.println(line);
        if (json != null) {
            Files.writeString(json, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }

    /**
     * Each query's positive: its best row at nprobe 64, or over every list of an index with fewer (exact without
     * an index); ids are row numbers.
     */
    private static void writePositives(Path corpusFile, String indexFile, Path queriesFile, int count, Path out)
            throws IOException {
        try (VectorStore corpus = VectorStore.open(corpusFile);
             VectorStore queries = VectorStore.open(queriesFile)) {
            VectorIndex index = indexFile == null ? new FlatIndex(corpus, VectorKernelsProvider.get())
                    : IvfIndex.open(Path.of(indexFile), corpus, VectorKernelsProvider.get());
            // 64 lists, or every list of a smaller index (nprobe may not exceed nlist).
            int nprobe = index instanceof IvfIndex ivf ? Math.min(64, ivf.nlist()) : 0;
            int n = (int) Math.min(count, queries.count());
            StringBuilder text = new StringBuilder();
            for (int from = 0; from < n; from += 256) {
                int to = Math.min(n, from + 256);
                QueryBlock block = new QueryBlock(to - from, corpus.dim());
                float[] row = new float[corpus.dim()];
                for (int q = from; q < to; q++) {
                    queries.copyRow(q, row);
                    block.add(row);
                }
                TopK top = index.search(block, 1, Exclusions.NONE, new SearchParams(2, nprobe));
                for (int q = from; q < to; q++) {
                    text.append(q).append('\t').append(top.id(q - from, 0)).append('\n');
                }
            }
            index.close();
            Files.writeString(out, text.toString());
        }
    }
}
