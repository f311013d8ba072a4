package dev.quarry.serve;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * The first filter of every request: it enters the requests in flight (what a drain waits for) until
 * its route has run, and counts the answer by route and status when it is sent, whoever sent it (a
 * resource, a filter or an error handler).
 */
final class RequestAccounting implements Filter {
    private final InFlight inFlight;
    private final ServerMetrics metrics;

    RequestAccounting(InFlight inFlight, ServerMetrics metrics) {
        this.inFlight = inFlight;
        this.metrics = metrics;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String route = route(req.path().path());
        res.whenSent(() -> metrics.request(route, res.status().code()));
        boolean entered = inFlight.enter();
        try {
            chain.proceed();
        } finally {
            if (entered) {
                inFlight.leave();
            }
        }
    }

    /** The route a path names, as the metrics label it. */
    static String route(String path) {
        return switch (path) {
            case MineResource.PATH -> "mine";
            case RefreshResource.PATH -> "refresh";
            case NegativesResource.PATH -> "negatives";
            case StatusResource.PATH -> "status";
            case HealthResource.PATH -> "health";
            case MetricsResource.PATH -> "metrics";
            default -> "other";
        };
    }
}
