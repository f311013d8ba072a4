package dev.quarry.serve;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/** {@code GET /metrics}: the service's meters in Prometheus text ({@link ServerMetrics}). */
final class MetricsResource implements HttpService {
    static final String PATH = "/metrics";
    private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

    private final ServerMetrics metrics;

    MetricsResource(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(PATH, (req, res) -> new Answer(200, PROMETHEUS, metrics.scrape().getBytes(StandardCharsets.UTF_8),
                Map.of()).send(res));
    }
}
