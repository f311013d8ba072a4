package dev.quarry.bench.peers;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Reports each {@link Measurement}: writes the last pass's ids as {@code PREFIX-<config>.npy}, appends
 * one JSON object per line to the JSON file (one {@code write} of the whole line in append mode, so
 * lines of runs sharing the file do not interleave), and prints a summary line to stderr, with recall@k
 * when exact ids were given.
 */
public final class ResultWriter implements Contender.Sink {
    private static final JsonFactory JSON = new JsonFactory();

    private final PeerOptions options;
    private final PeerData data;
    private final String simd;
    private final int[][] truth;

    /** A writer for {@code options}' outputs; {@code truth} may be null (no recall). */
    public ResultWriter(PeerOptions options, PeerData data, String simd, int[][] truth) {
        this.options = options;
        this.data = data;
        this.simd = simd;
        this.truth = truth;
    }

    @Override
    public void accept(Measurement m) throws IOException {
        int nq = data.queryCount();
        int k = options.k();
        Path ids = null;
        if (options.idsOut() != null) {
            ids = Path.of(options.idsOut() + "-" + slug(m.config()) + ".npy");
            IdsNpy.write(ids, m.ids(), nq, k);
        }
        Double recall = truth == null ? null : Recall.of(truth, m.ids(), nq, k);
        String line = json(m, ids, recall);
        if (options.jsonOut() == null) {
            System.out.println(line);
        } else {
            Path parent = options.jsonOut().toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Files.writeString(options.jsonOut(), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
        double best = Double.MAX_VALUE;
        for (double s : m.runsSeconds()) {
            best = Math.min(best, s);
        }
        double gflops = m.dotProducts() == null ? Double.NaN : 2.0 * data.dim() * m.dotProducts() / best / 1e9;
        System.err.printf(Locale.ROOT, "%s %s: best %.3f s, %.0f queries/s%s%s%n", options.contender(), m.config(),
                best, nq / best, Double.isNaN(gflops) ? "" : String.format(Locale.ROOT, ", %.1f GFLOP/s", gflops),
                recall == null ? "" : String.format(Locale.ROOT, ", recall@%d %.4f", k, recall));
    }

    private String json(Measurement m, Path ids, Double recall) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("contender", options.contender());
            g.writeStringField("label", options.label());
            g.writeStringField("dataset", options.dataset());
            g.writeStringField("config", m.config());
            g.writeStringField("params", m.params());
            g.writeNumberField("threads", options.threads());
            g.writeNumberField("queries", data.queryCount());
            g.writeNumberField("k", options.k());
            g.writeNumberField("dim", data.dim());
            g.writeNumberField("rows", data.rows());
            g.writeArrayFieldStart("runs_seconds");
            for (double s : m.runsSeconds()) {
                g.writeNumber(s);
            }
            g.writeEndArray();
            writeNullable(g, "build_seconds", m.buildSeconds());
            g.writeNumberField("peak_heap_bytes", MemoryPeaks.peakHeapBytes());
            g.writeNumberField("peak_rss_bytes", MemoryPeaks.peakRssBytes());
            if (m.dotProducts() == null) {
                g.writeNullField("dot_products_per_run");
            } else {
                g.writeNumberField("dot_products_per_run", m.dotProducts());
            }
            if (ids == null) {
                g.writeNullField("ids");
            } else {
                g.writeStringField("ids", ids.toString());
            }
            g.writeStringField("simd", simd);
            writeNullable(g, "recall", recall);
            g.writeEndObject();
        }
        return out.toString();
    }

    private static void writeNullable(JsonGenerator g, String field, Double value) throws IOException {
        if (value == null || value.isNaN()) {
            g.writeNullField(field);
        } else {
            g.writeNumberField(field, value);
        }
    }

    /** A configuration as a file-name part: {@code M=16 ef=200} becomes {@code M=16_ef=200}. */
    static String slug(String config) {
        return config.replaceAll("[^A-Za-z0-9=._-]+", "_");
    }
}
