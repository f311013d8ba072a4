package dev.quarry.serve;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/**
 * {@code GET /v1/health}: {@code {"status":"ok"}} while the process answers; no token asked. Not
 * Helidon's health observer: that one answers MicroProfile Health's shape ({@code {"status":"UP",
 * "checks":[]}}) under {@code /observe/health} and brings a JSON-P implementation beside Jackson, while
 * the service's clients read this route and shape; the one fact it reports (the process answers) needs
 * no check of its own. A draining server still answers it: draining is visible as 503s on mine calls.
 */
final class HealthResource implements HttpService {
    static final String PATH = "/v1/health";
    private static final Answer OK = Answer.json(200, "{\"status\":\"ok\"}");

    @Override
    public void routing(HttpRules rules) {
        rules.get(PATH, (req, res) -> OK.send(res));
    }
}
