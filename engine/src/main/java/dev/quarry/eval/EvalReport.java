package dev.quarry.eval;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.quarry.QuarryDataException;
import dev.quarry.files.AtomicOutput;
import dev.quarry.files.UserFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The results of {@code quarry eval} as a JSON file ({@code {"evaluations": [...]}}), written and read back. */
public final class EvalReport {
    private static final JsonFactory JSON = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

    private EvalReport() {
    }

    /** Writes the results atomically. */
    public static void write(Path file, List<EvalResult> results) {
        try (AtomicOutput out = AtomicOutput.create(file)) {
            try (JsonGenerator g = JSON.createGenerator(Channels.newOutputStream(out.channel()), JsonEncoding.UTF8)) {
                g.useDefaultPrettyPrinter();
                g.writeStartObject();
                g.writeArrayFieldStart("evaluations");
                for (EvalResult r : results) {
                    r.write(g);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Reads results written by {@link #write}. */
    public static List<EvalResult> read(Path file) {
        List<EvalResult> results = new ArrayList<>();
        UserFiles.requireInput(file);
        try (JsonParser p = JSON.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad(file);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (!field.equals("evaluations")) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    results.add(readOne(p));
                }
            }
        } catch (IOException e) {
            throw QuarryDataException.unreadable(file, "file", e, "a JSON file written by quarry eval --json");
        }
        if (results.isEmpty()) {
            throw bad(file);
        }
        return results;
    }

    private static EvalResult readOne(JsonParser p) throws IOException {
        String label = "";
        int nprobe = 0;
        long queries = 0;
        double qps = 0;
        List<double[]> metrics = new ArrayList<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "label" -> label = p.getText();
                case "nprobe" -> nprobe = p.getIntValue();
                case "queries" -> queries = p.getLongValue();
                case "queries_per_second" -> qps = p.getDoubleValue();
                case "metrics" -> {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        double[] m = new double[4];
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String name = p.currentName();
                            p.nextToken();
                            switch (name) {
                                case "k" -> m[0] = p.getIntValue();
                                case "recall" -> m[1] = p.getDoubleValue();
                                case "mrr" -> m[2] = p.getDoubleValue();
                                case "ndcg" -> m[3] = p.getDoubleValue();
                                default -> p.skipChildren();
                            }
                        }
                        metrics.add(m);
                    }
                }
                default -> p.skipChildren();
            }
        }
        int n = metrics.size();
        int[] ks = new int[n];
        double[] recall = new double[n];
        double[] mrr = new double[n];
        double[] ndcg = new double[n];
        for (int i = 0; i < n; i++) {
            ks[i] = (int) metrics.get(i)[0];
            recall[i] = metrics.get(i)[1];
            mrr[i] = metrics.get(i)[2];
            ndcg[i] = metrics.get(i)[3];
        }
        return new EvalResult(label, nprobe, ks, recall, mrr, ndcg, queries, qps);
    }

    private static QuarryDataException bad(Path file) {
        return new QuarryDataException(file, "content", "no evaluations", "a JSON file written by quarry eval --json");
    }
}
