package dev.quarry.serve;

import java.util.Map;

/**
 * A request the service refuses with a status of its own (401, 404, 409, 413, 503...): thrown by a
 * resource or a filter and answered by the routing's error handler ({@link ErrorAnswers}) as the
 * {@link ApiError}'s JSON plus {@code headers}.
 */
final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient ApiError error;
    private final transient Map<String, String> headers;

    Refusal(ApiError error, Map<String, String> headers) {
        super(error.message(), null, false, false);
        this.error = error;
        this.headers = headers;
    }

    Refusal(int status, String error, String message) {
        this(ApiError.of(status, error, message), Map.of());
    }

    ApiError error() {
        return error;
    }

    Map<String, String> headers() {
        return headers;
    }
}
