package dev.quarry.serve;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.Map;

/**
 * Every route but health asks for the server's bearer token ({@code Authorization: Bearer TOKEN});
 * a request without it is answered 401 before any route runs. A filter rather than Helidon's security
 * feature: the feature's providers exist for identities, roles and several schemes, while this is one
 * shared secret compared in constant time ({@link BearerToken}); and its web server integration is not
 * published for Helidon 4.5.
 */
final class BearerTokenFilter implements Filter {
    private final BearerToken token;

    BearerTokenFilter(BearerToken token) {
        this.token = token;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (!req.path().path().equals(HealthResource.PATH)
                && !token.accepts(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null))) {
            throw new Refusal(ApiError.of(401, "unauthorized", "this server needs Authorization: Bearer TOKEN"
                    + " (the token in its --token-file)"), Map.of("WWW-Authenticate", "Bearer"));
        }
        chain.proceed();
    }
}
