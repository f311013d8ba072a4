package dev.quarry.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An error answer: its status and JSON body {@code {"error", "message", "field", "value",
 * "expected"}} (the last three for a bad request only). Messages are the service's own words and the
 * client's values; never a stack trace.
 */
record ApiError(int status, String error, String message, String field, String value, String expected) {
    private static final JsonFactory JSON = new JsonFactory();

    static ApiError badRequest(BadRequest e) {
        return new ApiError(400, "bad_request", e.getMessage(), e.field(), e.value(), e.expected());
    }

    static ApiError of(int status, String error, String message) {
        return new ApiError(status, error, message, null, null, null);
    }

    byte[] json() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("error", error);
            g.writeStringField("message", message);
            if (field != null) {
                g.writeStringField("field", field);
                g.writeStringField("value", value);
                g.writeStringField("expected", expected);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
