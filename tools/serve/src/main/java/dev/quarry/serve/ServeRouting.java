package dev.quarry.serve;

import dev.quarry.negatives.NegativesStore;
import io.helidon.webserver.http.HttpRouting;
import java.io.PrintWriter;

/**
 * The service's routing: the accounting filter (requests in flight, answers counted), the bearer token
 * filter when the server has a token, one {@link io.helidon.webserver.http.HttpService} per resource,
 * a 404 for any other path, and the error handlers ({@link ErrorAnswers}). The request path's warm-up
 * ({@link RequestWarmUp}) builds the same routing over parts of its own, without the refresh route.
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
                        parts.training(), !parts.warmUp()),
                new NegativesResource(store, parts.limits()),
                new MetricsResource(parts.metrics()));
        if (!parts.warmUp()) {
            routing.register(new RefreshResource(parts.service(), parts.refreshFiles(), parts.work(), parts.training()));
        }
        routing.any((req, res) -> {
            throw new Refusal(404, "not_found", req.prologue().method().text() + " "
                    + Printable.of(req.path().rawPath()) + " is not a route of this service (/v1/health, /v1/status,"
                    + " /v1/mine, /v1/negatives, /v1/refresh, /metrics)");
        });
        ErrorAnswers.register(routing, log);
    }

    /** What the resources answer from; {@code warmUp} for the request path's warm-up ({@link #forWarmUp}). */
    record ServeParts(MiningService service, Admission admission, ServerMetrics metrics, RequestLimits limits,
                      BearerToken token, NegativesStore store, RefreshFiles refreshFiles, InFlight inFlight,
                      WorkDirectory work, TrainingAnchors training, boolean warmUp) {
        /**
         * The parts of the request path's warm-up: the same service, limits and token, with an admission,
         * metrics, requests in flight and training anchors of its own (thrown away after it, so nothing it
         * does is counted or seen), no negatives store and no refresh route (it changes nothing served); and its
         * mine calls are not held by the test hooks, which hold the calls of a test's client.
         */
        ServeParts forWarmUp(Admission warmAdmission) {
            return new ServeParts(service, warmAdmission, new ServerMetrics(warmAdmission, service), limits, token,
                    null, null, new InFlight(), work, new TrainingAnchors(null), true);
        }
    }
}
