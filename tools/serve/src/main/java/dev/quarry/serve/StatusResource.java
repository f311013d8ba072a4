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
            g.writeStringField("corpus", served.corpus().path().toString());
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
            g.writeNumberField("running", admission.running());
            g.writeNumberField("waiting", admission.waiting());
            if (store != null) {
                g.writeStringField("negatives_store", store.file().toString());
                g.writeNumberField("negatives_stored", store.size());
            }
            g.writeEndObject();
        }
        return bytes.toByteArray();
    }
}
