package dev.quarry.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.quarry.negatives.NegativesStore;
import dev.quarry.negatives.StoredNegatives;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/negatives?anchor=ID...}: what the negatives store holds for each anchor (null when nothing). */
final class NegativesResource implements HttpService {
    static final String PATH = "/v1/negatives";
    private static final JsonFactory JSON = new JsonFactory();

    private final NegativesStore store;
    private final RequestLimits limits;

    /** @param store the store, or null when the server keeps none (every call is then answered 404) */
    NegativesResource(NegativesStore store, RequestLimits limits) {
        this.store = store;
        this.limits = limits;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(PATH, (req, res) -> Answer.json(200, negatives(req)).send(res));
    }

    private byte[] negatives(ServerRequest req) throws IOException {
        if (store == null) {
            throw new Refusal(404, "no_store", "this server keeps no negatives store (start it with"
                    + " --negatives-store FILE)");
        }
        List<String> anchors = req.query().all("anchor", List::of);
        if (anchors.isEmpty()) {
            throw new BadRequest("anchor", "", "one or more anchor ids: /v1/negatives?anchor=ID&anchor=ID2");
        }
        if (anchors.size() > limits.maxAnchors()) {
            throw new BadRequest("anchor", anchors.size() + " ids", "at most " + limits.maxAnchors());
        }
        Map<String, StoredNegatives> found = store.getAll(anchors);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeObjectFieldStart("negatives");
            for (String anchor : anchors) {
                StoredNegatives n = found.get(anchor);
                g.writeFieldName(anchor);
                if (n == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                g.writeArrayFieldStart("ids");
                for (String id : n.ids()) {
                    g.writeString(id);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("scores");
                for (float s : n.scores()) {
                    g.writeNumber(Double.parseDouble(Float.toString(s)));
                }
                g.writeEndArray();
                g.writeNumberField("index_version", n.indexVersion());
                g.writeNumberField("time", n.epochMillis());
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        return bytes.toByteArray();
    }
}
