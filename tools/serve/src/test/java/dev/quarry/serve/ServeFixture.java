package dev.quarry.serve;

import dev.quarry.index.SearchParams;
import dev.quarry.mining.MinerPreset;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.store.VectorStore;
import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A small catalog with an IVF index, servers started over it, and an HTTP client for the tests. */
final class ServeFixture {
    static final int NLIST = 32;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** Writes the catalog (corpus.qvec with ids, queries.qvec, qrels.tsv) and corpus.qivf into {@code dir}. */
    static void writeCatalog(Path dir, int docs, int anchors, int dim) {
        new SyntheticCatalog(new CatalogSpec(docs, anchors, dim, Math.max(1, docs / 100), 0.5, 8, 0.05, 7)).write(dir);
        try (VectorStore corpus = VectorStore.open(dir.resolve("corpus.qvec"))) {
            new IvfBuilder(VectorKernelsProvider.get()).build(corpus, new KMeansParams(NLIST, 6, 64, 0, true, 42, 2),
                    dir.resolve("corpus.qivf"), null);
        }
    }

    static ServeSettings settings(Path dir, BearerToken token, Path store, RequestLimits limits) {
        return new ServeSettings(dir.resolve("corpus.qvec"), dir.resolve("corpus.qivf"), null, "127.0.0.1", 0, token,
                store, 10_000, new SearchParams(2, 4), limits, dir, 2, MinerPreset.DEFAULT, dir.resolve("serve-work"),
                HeldOutSettings.none());
    }

    static RequestLimits limits() {
        return new RequestLimits(512, 8 << 20, 2, 16);
    }

    /** A started server and the log it wrote. */
    record Running(QuarryServer server, StringWriter log) implements AutoCloseable {
        static Running start(ServeSettings settings) {
            StringWriter log = new StringWriter();
            return new Running(QuarryServer.start(settings, new PrintWriter(log, true)), log);
        }

        URI uri(String pathAndQuery) {
            return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
        }

        HttpResponse<byte[]> get(String pathAndQuery, String... headers) {
            return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET(), headers);
        }

        HttpResponse<byte[]> post(String pathAndQuery, String type, byte[] body, String... headers) {
            return send(HttpRequest.newBuilder(uri(pathAndQuery)).header("Content-Type", type)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)), headers);
        }

        private static HttpResponse<byte[]> send(HttpRequest.Builder request, String... headers) {
            for (int i = 0; i < headers.length; i += 2) {
                request.header(headers[i], headers[i + 1]);
            }
            try {
                return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            server.close();
            System.err.print(log); // the server's log, in the test's report
        }
    }

    /** The labelled anchors of the catalog: query ordinal to positive corpus ids, in qrels order. */
    static Map<Integer, List<String>> qrels(Path dir) {
        Map<Integer, List<String>> out = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(dir.resolve("qrels.tsv"))) {
                String[] f = line.split("\t");
                out.computeIfAbsent(Integer.parseInt(f[0].substring(1)), k -> new ArrayList<>()).add(f[1]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** A binary mine body: the rows of {@code queries}, one line of positives each, then anchor ids if given. */
    static byte[] binaryBody(VectorStore queries, int[] rows, List<List<String>> positives, List<String> anchorIds) {
        int dim = queries.dim();
        ByteBuffer vectors = ByteBuffer.allocate(rows.length * dim * 4).order(ByteOrder.LITTLE_ENDIAN);
        float[] row = new float[dim];
        for (int r : rows) {
            queries.copyRow(r, row);
            for (float f : row) {
                vectors.putFloat(f);
            }
        }
        StringBuilder text = new StringBuilder();
        for (List<String> p : positives) {
            text.append(String.join("\t", p)).append('\n');
        }
        if (anchorIds != null) {
            anchorIds.forEach(id -> text.append(id).append('\n'));
        }
        byte[] tail = text.toString().getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[vectors.capacity() + tail.length];
        System.arraycopy(vectors.array(), 0, body, 0, vectors.capacity());
        System.arraycopy(tail, 0, body, vectors.capacity(), tail.length);
        return body;
    }

    /** The data of an .npy file as {@code quarry mine} writes it (version 1 header), without the header. */
    static byte[] npyData(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int headerLength = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        return Arrays.copyOfRange(bytes, 10 + headerLength, bytes.length);
    }

    /** Little-endian int32s. */
    static int[] ints(byte[] data) {
        int[] out = new int[data.length / 4];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
        return out;
    }

    static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private ServeFixture() {
    }
}
