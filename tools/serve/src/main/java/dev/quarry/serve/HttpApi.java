package dev.quarry.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.index.SearchParams;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MiningConfig;
import dev.quarry.negatives.NegativesStore;
import dev.quarry.negatives.StoredNegatives;
import dev.quarry.options.Door;
import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The service's HTTP routes: {@code /v1/health}, {@code /v1/status}, {@code /v1/mine},
 * {@code /v1/negatives}, {@code /v1/refresh} and {@code /metrics}. Every route but health asks for the
 * bearer token when the server has one; every answer is counted by route and status; every failure is
 * a JSON error, and an unexpected one is logged here, never sent to the client.
 */
final class HttpApi {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String OCTETS = "application/octet-stream";
    private static final String JSON_TYPE = "application/json";

    private final MiningService service;
    private final Admission admission;
    private final ServerMetrics metrics;
    private final RequestLimits limits;
    private final BearerToken token;
    private final NegativesStore store;
    private final RefreshFiles refreshFiles;
    /** The settings of calls that leave them out: the schema's defaults, or serve's --options-file. */
    private final MineOptions defaults;
    private final PrintWriter log;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** An answer: status, content type, body and extra headers. */
    private record Answer(int status, String type, byte[] body, Map<String, String> headers) {
        static Answer json(int status, byte[] body) {
            return new Answer(status, JSON_TYPE, body, Map.of());
        }
    }

    /** A route's work. */
    @FunctionalInterface
    private interface Route {
        Answer answer(ServerRequest request) throws Exception;
    }

    /** An error to answer with, thrown from a route. */
    private static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient ApiError error;
        private final transient Map<String, String> headers;

        Refusal(ApiError error, Map<String, String> headers) {
            super(error.message(), null, false, false);
            this.error = error;
            this.headers = headers;
        }
    }

    HttpApi(MiningService service, Admission admission, ServerMetrics metrics, RequestLimits limits, BearerToken token,
            NegativesStore store, RefreshFiles refreshFiles, MineOptions defaults, PrintWriter log) {
        this.service = service;
        this.defaults = defaults;
        this.admission = admission;
        this.metrics = metrics;
        this.limits = limits;
        this.token = token;
        this.store = store;
        this.refreshFiles = refreshFiles;
        this.log = log;
    }

    void routes(HttpRouting.Builder routing) {
        routing.get("/v1/health", (req, res) -> handle("health", false, req, res, r -> Answer.json(200,
                        "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8))))
                .get("/v1/status", (req, res) -> handle("status", true, req, res, this::status))
                .post("/v1/mine", (req, res) -> handle("mine", true, req, res, this::mine))
                .get("/v1/negatives", (req, res) -> handle("negatives", true, req, res, this::negatives))
                .post("/v1/refresh", (req, res) -> handle("refresh", true, req, res, this::refresh))
                .get("/metrics", (req, res) -> handle("metrics", true, req, res, r -> new Answer(200,
                        "text/plain; version=0.0.4; charset=utf-8", metrics.scrape().getBytes(StandardCharsets.UTF_8),
                        Map.of())))
                .any((req, res) -> handle("other", false, req, res, r -> {
                    throw new Refusal(ApiError.of(404, "not_found", r.prologue().method().text() + " "
                            + Printable.of(r.path().rawPath()) + " is not a route of this service (/v1/health,"
                            + " /v1/status, /v1/mine, /v1/negatives, /v1/refresh, /metrics)"), Map.of());
                }));
    }

    /** Requests being answered now (a draining server waits for this to reach zero). */
    int inFlight() {
        return inFlight.get();
    }

    private void handle(String name, boolean authorized, ServerRequest req, ServerResponse res, Route route) {
        inFlight.incrementAndGet();
        Answer answer;
        try {
            if (authorized && token != null && !token.accepts(req.headers().first(HeaderNames.AUTHORIZATION)
                    .orElse(null))) {
                throw new Refusal(ApiError.of(401, "unauthorized", "this server needs Authorization: Bearer TOKEN"
                        + " (the token in its --token-file)"), Map.of("WWW-Authenticate", "Bearer"));
            }
            answer = route.answer(req);
        } catch (Refusal e) {
            answer = new Answer(e.error.status(), JSON_TYPE, e.error.json(), e.headers);
        } catch (BadRequest e) {
            answer = Answer.json(400, ApiError.badRequest(e).json());
        } catch (OptionError e) {
            answer = Answer.json(400, ApiError.badRequest(new BadRequest(Door.HTTP, e)).json());
        } catch (QuarryUsageException e) {
            answer = Answer.json(400, ApiError.badRequest(new BadRequest(e.field(), e.value(), e.expected())).json());
        } catch (QuarryDataException e) {
            answer = Answer.json(400, ApiError.of(400, "bad_data", e.getMessage()).json());
        } catch (Exception | Error e) {
            log.println("quarry serve: " + name + " failed: " + e);
            e.printStackTrace(log);
            log.flush();
            answer = Answer.json(500, ApiError.of(500, "internal", "the server failed to answer (its log says"
                    + " why)").json());
        }
        try {
            res.status(answer.status());
            res.header("Content-Type", answer.type());
            answer.headers().forEach(res::header);
            res.send(answer.body());
        } finally {
            metrics.request(name, answer.status());
            inFlight.decrementAndGet();
        }
    }

    private Answer mine(ServerRequest req) throws InterruptedException {
        Admission.Ticket ticket = admission.enter();
        if (ticket == null) {
            throw new Refusal(ApiError.of(503, "overloaded", admission.draining() ? "the server is shutting down"
                    : "the server is at capacity: retry after a second"), Map.of("Retry-After", "1"));
        }
        try (ticket) {
            dev.quarry.TestHooks.holdMineCall();
            long t0 = System.nanoTime();
            long length = req.headers().contentLength().orElse(-1);
            if (length > limits.maxBodyBytes()) {
                throw new BadRequest("body", length + " bytes", "at most " + limits.maxBodyBytes() + " bytes"
                        + " (--max-body-mb)");
            }
            Map<String, String> query = query(req);
            boolean binaryIn = req.headers().contentType().map(t -> t.mediaType().text().equals(OCTETS))
                    .orElse(false);
            String format = query.getOrDefault("format", binaryIn ? "binary" : "json");
            if (!format.equals("binary") && !format.equals("json")) {
                throw new BadRequest("format", format, "binary or json");
            }
            byte[] body = req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
            ServedIndex current = service.current();
            MineRequestDecoder decoder = new MineRequestDecoder(current.corpus().dim(), current.corpus().count(),
                    current.ids(), limits, defaults);
            MineRequest request = binaryIn ? decoder.binary(body, query) : decoder.json(body, query);
            MiningConfig config = MiningConfig.of(request.options());
            Integer nprobe = request.options().get(MineSettings.NPROBE);
            SearchParams search = nprobe == null ? service.search() : service.search().withNprobe(nprobe);
            MiningService.Mined mined = service.mine(config, search, (served, miner, params) -> {
                List<MinedAnchor> anchors = request.count() == 0 ? List.of() : miner.mine(request.anchors(),
                        request.offset(), (long) request.dim() * Float.BYTES, request.count(), request.positives(),
                        params);
                if (store != null && request.anchorIds() != null) {
                    long now = System.currentTimeMillis();
                    for (MinedAnchor a : anchors) {
                        store.put(request.anchorIds()[a.anchor()], stored(a, served, now));
                    }
                }
                return anchors;
            });
            int k = config.numNegatives();
            metrics.mined(request.count(), System.nanoTime() - t0);
            Map<String, String> headers = Map.of("Quarry-Index-Version", Long.toString(mined.version()),
                    "Quarry-Anchors", Integer.toString(request.count()), "Quarry-Negatives", Integer.toString(k));
            return format.equals("binary") ? new Answer(200, OCTETS, MineResponses.binary(mined.anchors(), k), headers)
                    : new Answer(200, JSON_TYPE, MineResponses.json(mined.anchors(), mined.ids(), mined.version()),
                    headers);
        }
    }

    private static StoredNegatives stored(MinedAnchor a, ServedIndex served, long now) {
        String[] ids = new String[a.negatives().length];
        for (int j = 0; j < ids.length; j++) {
            ids[j] = served.ids().id(a.negatives()[j]);
        }
        return new StoredNegatives(ids, a.negativeScores().clone(), served.version(), now);
    }

    private Answer negatives(ServerRequest req) throws IOException {
        if (store == null) {
            throw new Refusal(ApiError.of(404, "no_store", "this server keeps no negatives store (start it with"
                    + " --negatives-store FILE)"), Map.of());
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
        return Answer.json(200, bytes.toByteArray());
    }

    private Answer refresh(ServerRequest req) throws IOException {
        byte[] body = req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
        String corpus = null;
        boolean retrain = false;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadRequest("body", "not an object", "{\"corpus\": \"PATH.qvec\", \"retrain\": false}");
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
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BadRequest("body", "malformed JSON", "{\"corpus\": \"PATH.qvec\", \"retrain\": false} ("
                    + e.getOriginalMessage() + ")");
        }
        if (corpus == null) {
            throw new BadRequest("corpus", "missing", "the path of the re-embedded corpus");
        }
        Path file = refreshFiles.resolve(corpus);
        long version = service.current().version();
        if (!service.refresh(file, retrain)) {
            throw new Refusal(ApiError.of(409, "refresh_running", "a refresh is running already: wait for"
                    + " /v1/status to say refreshing=false"), Map.of());
        }
        return Answer.json(202, ("{\"refresh\":\"started\",\"index_version\":" + version + "}")
                .getBytes(StandardCharsets.UTF_8));
    }

    private Answer status(ServerRequest req) throws IOException {
        ServedIndex served = service.current();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeNumberField("index_version", served.version());
            g.writeStringField("corpus", served.corpus().path().toString());
            g.writeNumberField("rows", served.corpus().count());
            g.writeNumberField("dim", served.corpus().dim());
            g.writeStringField("index", served.index().describe());
            if (served.index() instanceof dev.quarry.index.ivf.IvfIndex ivf) {
                g.writeNumberField("nlist", ivf.nlist());
                g.writeNumberField("nprobe", service.search().nprobe() == 0 ? ivf.defaultNprobe()
                        : service.search().nprobe());
            }
            g.writeBooleanField("refreshing", service.refreshing());
            if (service.refreshError() == null) {
                g.writeNullField("refresh_error");
            } else {
                g.writeStringField("refresh_error", service.refreshError());
            }
            g.writeNumberField("refreshes", service.refreshes());
            g.writeNumberField("running", admission.running());
            g.writeNumberField("waiting", admission.waiting());
            g.writeObjectFieldStart("default_options"); // the settings a call leaves out take (--options-file)
            for (Map.Entry<String, String> e : defaults.givenText().entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            if (store != null) {
                g.writeStringField("negatives_store", store.file().toString());
                g.writeNumberField("negatives_stored", store.size());
            }
            g.writeEndObject();
        }
        return Answer.json(200, bytes.toByteArray());
    }

    /** Query parameters, one value each (a repeated one is refused: which would win is not obvious). */
    private static Map<String, String> query(ServerRequest req) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : req.query().names()) {
            List<String> values = req.query().all(name);
            if (values.size() > 1) {
                throw new BadRequest(name, String.join(",", values), "one value");
            }
            out.put(name, values.isEmpty() ? "" : values.get(0));
        }
        return out;
    }
}
