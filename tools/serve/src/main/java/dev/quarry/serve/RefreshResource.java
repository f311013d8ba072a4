package dev.quarry.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code POST /v1/refresh} {@code {"corpus": "PATH", "retrain": false, "heldout_queries": "HQ",
 * "heldout_qrels": "H.tsv"}}: starts serving a re-embedded corpus (202 once its file is checked; the rest
 * runs on the refresh thread), 409 while one runs. The held-out fields (both or neither) bring the
 * held-out queries embedded by the same model: copied, read and checked (none a training anchor) before
 * the 202, and the new version's recall measured on them ({@link RecallMonitor}). They are paths of this
 * request, not mining settings, so they are not in the mining request's schema ({@code dev.quarry.options}).
 */
final class RefreshResource implements HttpService {
    static final String PATH = "/v1/refresh";
    private static final JsonFactory JSON = new JsonFactory();
    /** A refresh names a file: 64 KiB is plenty, read at the default pace. */
    private static final BodyReader BODY = new BodyReader(64 << 10, RequestLimits.DEFAULT_BODY_SECONDS_PER_MIB);
    private static final String SHAPE = "{\"corpus\": \"PATH.qvec\", \"retrain\": false, \"heldout_queries\":"
            + " \"HQ.qvec\", \"heldout_qrels\": \"H.tsv\"} (the held-out fields optional, both or neither)";
    private static final String FIELDS = "corpus, retrain, heldout_queries or heldout_qrels";

    private final MiningService service;
    private final RefreshFiles refreshFiles;
    private final WorkDirectory work;
    private final TrainingAnchors training;

    RefreshResource(MiningService service, RefreshFiles refreshFiles, WorkDirectory work, TrainingAnchors training) {
        this.service = service;
        this.refreshFiles = refreshFiles;
        this.work = work;
        this.training = training;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post(PATH, (req, res) -> refresh(req, res).send(res));
    }

    private Answer refresh(ServerRequest req, ServerResponse res) throws IOException {
        byte[] body = BODY.read(req, res, null);
        String corpus = null;
        boolean retrain = false;
        String heldoutQueries = null;
        String heldoutQrels = null;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadRequest("body", "not an object", SHAPE);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "corpus" -> {
                        if (value != JsonToken.VALUE_STRING) {
                            throw new BadRequest("corpus", p.getText(), "a path (a string)");
                        }
                        corpus = p.getText();
                    }
                    case "retrain" -> {
                        if (!value.isBoolean()) {
                            throw new BadRequest("retrain", p.getText(), "true or false");
                        }
                        retrain = p.getBooleanValue();
                    }
                    case "heldout_queries", "heldout_qrels" -> {
                        if (value != JsonToken.VALUE_STRING) {
                            throw new BadRequest(field, p.getText(), "a path (a string)");
                        }
                        if (field.equals("heldout_queries")) {
                            heldoutQueries = p.getText();
                        } else {
                            heldoutQrels = p.getText();
                        }
                    }
                    default -> throw new BadRequest(field, p.getText(), FIELDS);
                }
            }
        } catch (JsonProcessingException e) {
            throw new BadRequest("body", "malformed JSON", SHAPE + " (" + e.getOriginalMessage() + ")");
        }
        if (corpus == null) {
            throw new BadRequest("corpus", "missing", "the path of the re-embedded corpus");
        }
        if ((heldoutQueries == null) != (heldoutQrels == null)) {
            throw heldoutQueries == null
                    ? new BadRequest("heldout_queries", "missing", "the held-out queries' embeddings beside"
                    + " heldout_qrels (both or neither)")
                    : new BadRequest("heldout_qrels", "missing", "the held-out qrels beside heldout_queries (both or"
                    + " neither)");
        }
        Path file = refreshFiles.resolve(corpus);
        if (service.refreshing()) {
            throw running(); // answered before the held-out set is copied in for nothing
        }
        HeldOutSet heldout = null;
        if (heldoutQueries != null) {
            ServedIndex now = service.current();
            heldout = HeldOutSet.load(refreshFiles.resolve("heldout_queries", heldoutQueries),
                    refreshFiles.resolve("heldout_qrels", heldoutQrels), now.ids(), now.corpus().dim(), work,
                    training::contains);
        }
        long version = service.current().version();
        boolean started = false;
        try {
            started = service.refresh(file, retrain, heldout);
        } finally {
            if (!started && heldout != null) {
                heldout.close();
            }
        }
        if (!started) {
            throw running();
        }
        return Answer.json(202, "{\"refresh\":\"started\",\"index_version\":" + version + "}");
    }

    private static Refusal running() {
        return new Refusal(409, "refresh_running", "a refresh is running already: wait for /v1/status to say"
                + " refreshing=false");
    }
}
