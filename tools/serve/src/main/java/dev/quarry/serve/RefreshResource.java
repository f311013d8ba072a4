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
 * {@code POST /v1/refresh} {@code {"corpus": "PATH", "retrain": false}}: starts serving a re-embedded
 * corpus (202 once its file is checked; the rest runs on the refresh thread), 409 while one runs.
 */
final class RefreshResource implements HttpService {
    static final String PATH = "/v1/refresh";
    private static final JsonFactory JSON = new JsonFactory();
    /** A refresh names a file: 64 KiB is plenty, read at the default pace. */
    private static final BodyReader BODY = new BodyReader(64 << 10, RequestLimits.DEFAULT_BODY_SECONDS_PER_MIB);
    private static final String SHAPE = "{\"corpus\": \"PATH.qvec\", \"retrain\": false}";

    private final MiningService service;
    private final RefreshFiles refreshFiles;

    RefreshResource(MiningService service, RefreshFiles refreshFiles) {
        this.service = service;
        this.refreshFiles = refreshFiles;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post(PATH, (req, res) -> refresh(req, res).send(res));
    }

    private Answer refresh(ServerRequest req, ServerResponse res) throws IOException {
        byte[] body = BODY.read(req, res, null);
        String corpus = null;
        boolean retrain = false;
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
                    default -> throw new BadRequest(field, p.getText(), "corpus or retrain");
                }
            }
        } catch (JsonProcessingException e) {
            throw new BadRequest("body", "malformed JSON", SHAPE + " (" + e.getOriginalMessage() + ")");
        }
        if (corpus == null) {
            throw new BadRequest("corpus", "missing", "the path of the re-embedded corpus");
        }
        Path file = refreshFiles.resolve(corpus);
        long version = service.current().version();
        if (!service.refresh(file, retrain)) {
            throw new Refusal(409, "refresh_running", "a refresh is running already: wait for /v1/status to say"
                    + " refreshing=false");
        }
        return Answer.json(202, "{\"refresh\":\"started\",\"index_version\":" + version + "}");
    }
}
