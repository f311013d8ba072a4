package dev.quarry.serve;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** One answer of the service: status, content type, body and extra headers, sent whole. */
record Answer(int status, String type, byte[] body, Map<String, String> headers) {
    static final String JSON = "application/json";
    static final String OCTETS = "application/octet-stream";

    static Answer json(int status, byte[] body) {
        return new Answer(status, JSON, body, Map.of());
    }

    static Answer json(int status, String body) {
        return json(status, body.getBytes(StandardCharsets.UTF_8));
    }

    static Answer error(ApiError error, Map<String, String> headers) {
        return new Answer(error.status(), JSON, error.json(), headers);
    }

    void send(ServerResponse res) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, type);
        headers.forEach(res::header);
        res.send(body);
    }
}
