package dev.quarry.serve;

import dev.quarry.negatives.NegativesStore;
import io.helidon.webserver.http.HttpRouting;
import java.io.PrintWriter;

/**
 * The service's routing: the accounting filter (requests in flight, answers counted), the bearer token
 * filter when the server has a token, one {@link io.helidon.webserver.http.HttpService} per resource,
 * a 404 for any other path, and the error handlers ({@link ErrorAnswers}).
 */
final class ServeRouting {
    private ServeRouting() {
    }

    static void build(HttpRouting.Builder routing, ServeParts parts, PrintWriter log) {
        routing.addFilter(new RequestAccounting(parts.inFlight(), parts.metrics()));
        if (parts.token() != null) {
            routing.addFilter(new BearerTokenFilter(parts.token()));
        }
        NegativesStore store = parts.store();
        routing.register(new HealthResource(),
                new StatusResource(parts.service(), parts.admission(), store),
                new MineResource(parts.service(), parts.admission(), parts.metrics(), parts.limits(), store,
                        parts.training()),
                new NegativesResource(store, parts.limits()),
                new RefreshResource(parts.service(), parts.refreshFiles(), parts.work(), parts.training()),
                new MetricsResource(parts.metrics()));
        routing.any((req, res) -> {
            throw new Refusal(404, "not_found", req.prologue().method().text() + " "
                    + Printable.of(req.path().rawPath()) + " is not a route of this service (/v1/health, /v1/status,"
                    + " /v1/mine, /v1/negatives, /v1/refresh, /metrics)");
        });
        ErrorAnswers.register(routing, log);
    }

    /** What the resources answer from. */
    record ServeParts(MiningService service, Admission admission, ServerMetrics metrics, RequestLimits limits,
                      BearerToken token, NegativesStore store, RefreshFiles refreshFiles, InFlight inFlight,
                      WorkDirectory work, TrainingAnchors training) {
    }
}
