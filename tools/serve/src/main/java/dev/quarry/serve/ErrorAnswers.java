package dev.quarry.serve;

import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.options.Door;
import dev.quarry.options.OptionError;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import java.io.PrintWriter;
import java.util.Map;

/**
 * How failures become answers, registered on the routing as its error handlers: a refusal with its own
 * status, a bad request (the service's own checks, the request schema's, the engine's) as 400 naming the
 * field, bad data as 400, anything else as 500 with no detail, logged for whoever runs the server. An
 * {@link Error} is left to the framework (it logs it and answers 500): nothing here pretends to recover
 * from one.
 */
final class ErrorAnswers {
    private ErrorAnswers() {
    }

    static void register(HttpRouting.Builder routing, PrintWriter log) {
        routing.error(Refusal.class, (req, res, e) -> Answer.error(e.error(), e.headers()).send(res))
                .error(BadRequest.class, (req, res, e) -> Answer.error(ApiError.badRequest(e), Map.of()).send(res))
                .error(OptionError.class, (req, res, e) -> Answer.error(ApiError.badRequest(new BadRequest(Door.HTTP,
                        e)), Map.of()).send(res))
                .error(QuarryUsageException.class, (req, res, e) -> Answer.error(ApiError.badRequest(
                        new BadRequest(e.field(), e.value(), e.expected())), Map.of()).send(res))
                .error(QuarryDataException.class, (req, res, e) -> Answer.error(ApiError.of(400, "bad_data",
                        e.getMessage()), Map.of()).send(res))
                .error(Exception.class, (req, res, e) -> {
                    logFailure(log, req, e);
                    Answer.error(ApiError.of(500, "internal", "the server failed to answer (its log says why)"),
                            Map.of()).send(res);
                });
    }

    private static void logFailure(PrintWriter log, ServerRequest req, Exception e) {
        synchronized (log) {
            log.println("quarry serve: " + req.prologue().method().text() + " " + Printable.of(req.path().path())
                    + " failed: " + e);
            e.printStackTrace(log);
            log.flush();
        }
    }
}
