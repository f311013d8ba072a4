package dev.quarry.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.negatives.NegativesStore;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** {@code GET /v1/status}: the version served, its corpus and index, refreshes, admission and the store. */
final class StatusResource implements HttpService {
    static final String PATH = "/v1/status";
    private static final JsonFactory JSON = new JsonFactory();

    private final MiningService service;
    private final Admission admission;
    private final NegativesStore store;

    StatusResource(MiningService service, Admission admission, NegativesStore store) {
        this.service = service;
        this.admission = admission;
        this.store = store;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(PATH, (req, res) -> Answer.json(200, status()).send(res));
    }

    private byte[] status() throws IOException {
        ServedIndex served = service.current();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeNumberField("index_version", served.version());
            g.writeStringField("corpus", served.source().toString());
            g.writeStringField("corpus_copy", served.corpus().path().toString());
            g.writeNumberField("rows", served.corpus().count());
            g.writeNumberField("dim", served.corpus().dim());
            g.writeStringField("index", served.index().describe());
            if (served.index() instanceof IvfIndex ivf) {
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
            RefreshPhases phases = service.lastRefresh();
            if (phases == null) {
                g.writeNullField("last_refresh");
            } else {
                phases.write(g);
            }
            g.writeNumberField("running", admission.running());
            g.writeNumberField("waiting", admission.waiting());
            if (store != null) {
                g.writeStringField("negatives_store", store.file().toString());
                g.writeNumberField("negatives_stored", store.size());
            }
            // the settings a call leaves out take now: --options-file's (or the schema's), tightened after a drop
            g.writeObjectFieldStart("default_options");
            for (var e : service.monitor().servedDefaults().givenText().entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            writeHeldOut(g, service.monitor());
            g.writeEndObject();
        }
        return bytes.toByteArray();
    }

    /**
     * {@code "heldout"}: the held-out set, every version's figures, the alert when the last version dropped,
     * and the options served to calls that leave them out ({@code "served_defaults"}).
     */
    private static void writeHeldOut(JsonGenerator g, RecallMonitor monitor) throws IOException {
        g.writeObjectFieldStart("served_defaults");
        g.writeStringField("name", monitor.tightenedAt() == 0 ? "defaults" : "tightened");
        g.writeObjectFieldStart("options");
        for (var e : monitor.servedDefaults().givenText().entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        if (monitor.tightenedAt() != 0) {
            g.writeNumberField("tightened_at_version", monitor.tightenedAt());
        }
        g.writeEndObject();
        HeldOutSet set = monitor.heldout();
        if (set == null) {
            g.writeNullField("heldout");
            return;
        }
        g.writeObjectFieldStart("heldout");
        g.writeStringField("queries", set.queriesFile().toString());
        g.writeStringField("qrels", set.qrelsFile().toString());
        g.writeNumberField("recall_drop", monitor.allowedDrop());
        g.writeStringField("on_recall_drop", monitor.onDrop().name().toLowerCase(java.util.Locale.ROOT));
        g.writeStringField("advice", RecallMonitor.ADVICE);
        g.writeBooleanField("evaluating", monitor.evaluating());
        nullableVersion(g, "evaluating_version", monitor.evaluatingVersion());
        g.writeBooleanField("paused_for_refresh", monitor.paused()); // it gives way to a running refresh
        nullableVersion(g, "pending_version", monitor.pendingVersion());
        g.writeNumberField("superseded", monitor.superseded());
        if (monitor.error() == null) {
            g.writeNullField("error");
        } else {
            g.writeStringField("error", monitor.error());
        }
        nullableVersion(g, "error_version", monitor.errorVersion());
        VersionRecall latest = monitor.latest();
        if (latest != null && latest.drop()) {
            g.writeObjectFieldStart("alert");
            g.writeNumberField("version", latest.version());
            g.writeNumberField("recall_at_10", latest.recallAt10());
            g.writeNumberField("best_recall_at_10", latest.best());
            g.writeStringField("advice", RecallMonitor.ADVICE);
            g.writeEndObject();
        } else {
            g.writeNullField("alert");
        }
        g.writeArrayFieldStart("history");
        for (VersionRecall r : monitor.history()) {
            g.writeStartObject();
            g.writeNumberField("version", r.version());
            g.writeNumberField("recall_at_10", r.recallAt10());
            g.writeNumberField("recall_at_100", r.recallAt100());
            g.writeNumberField("ndcg_at_10", r.ndcgAt10());
            g.writeNumberField("queries", r.queries());
            g.writeStringField("qrels", r.qrels());
            g.writeNumberField("seconds", r.seconds());
            if (Double.isNaN(r.best())) {
                g.writeNullField("best_recall_at_10");
            } else {
                g.writeNumberField("best_recall_at_10", r.best());
            }
            g.writeBooleanField("drop", r.drop());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /** A version number, or null for 0 (none). */
    private static void nullableVersion(JsonGenerator g, String field, long version) throws IOException {
        if (version == 0) {
            g.writeNullField(field);
        } else {
            g.writeNumberField(field, version);
        }
    }
}
