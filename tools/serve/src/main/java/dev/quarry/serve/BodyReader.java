package dev.quarry.serve;

import io.helidon.http.HeaderValues;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;

/**
 * Reads a request body whole, within its bounds: at most {@code maxBytes} (413 beyond; the rest of the
 * body is read and dropped, up to a bound, so the client reads its answer instead of a reset), its bytes
 * held against the admission's budget as they arrive (503 when the budget is spent, the rest read and dropped
 * too), and at a pace of at
 * least one MiB per {@code secondsPerMiB}, the first MiB included: a client that stalls is cut off when
 * its deadline passes and its connection closed. A chunked body whose framing is broken is a 400, and
 * the connection is closed (where the next request would start is unknown); a client that went away
 * gets no answer and leaves no stack trace.
 */
final class BodyReader {
    private static final int MIB = 1 << 20;
    private static final int STEP = 64 << 10;
    /** How much of an over-limit body is read and dropped before the connection is closed instead. */
    private static final long DRAIN_BYTES = 64L << 20;
    /**
     * The deadlines' watch. A deadline holds its request, response, connection and reading thread (about 30 KB with
     * the connection's buffers): a finished read leaves the watch at once, so it holds the reads under way, never
     * every request of the last {@code secondsPerMiB} seconds (under an overload of thousands of calls a second that
     * was the heap).
     */
    private static final BodyWatch WATCH = new BodyWatch("quarry-body-deadline", BodyWatch.TICK_NANOS,
            BodyWatch.LINGER_NANOS);

    private final long maxBytes;
    private final long nanosPerMiB;

    /** Deadlines watched now (reads under way: one each). */
    static int pendingDeadlines() {
        return WATCH.size();
    }

    BodyReader(long maxBytes, double secondsPerMiB) {
        this.maxBytes = maxBytes;
        this.nanosPerMiB = (long) (secondsPerMiB * 1e9);
    }

    /** The body of {@code req}, its bytes reserved on {@code ticket} (none when null: a small body of the service's own). */
    byte[] read(ServerRequest req, ServerResponse res, Admission.Ticket ticket) {
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        long length = req.headers().contentLength().orElse(-1);
        boolean clientCloses = req.headers().contains(HeaderValues.CONNECTION_CLOSE);
        Deadline deadline = new Deadline(res);
        try {
            InputStream in = req.content().inputStream();
            if (length > maxBytes) {
                throw tooLarge(res, length + " bytes", drain(in, deadline) && !clientCloses);
            }
            if (length >= 0 && ticket != null && !ticket.reserve(length)) {
                throw overloaded(res, in, deadline);
            }
            byte[] body = new byte[(int) (length >= 0 ? length : Math.min(STEP, maxBytes))];
            int filled = 0;
            while (true) {
                if (filled == body.length) {
                    if (length >= 0) {
                        break; // Content-Length bytes read: the entity ends there
                    }
                    if (filled == maxBytes) {
                        if (deadline.read(in, new byte[1], 0, 1) < 0) {
                            break; // exactly maxBytes
                        }
                        throw tooLarge(res, "more than " + maxBytes + " bytes", drain(in, deadline) && !clientCloses);
                    }
                    int grown = (int) Math.min(maxBytes, Math.max(STEP, 2L * filled));
                    if (ticket != null && !ticket.reserve(grown - filled)) {
                        throw overloaded(res, in, deadline);
                    }
                    body = Arrays.copyOf(body, grown);
                }
                int n = deadline.read(in, body, filled, body.length - filled);
                if (n < 0) {
                    break;
                }
                filled += n;
            }
            return filled == body.length ? body : Arrays.copyOf(body, filled);
        } finally {
            deadline.finish();
        }
    }

    /**
     * Reads and drops the body of a call refused before reading it (at most {@code maxBytes}, at the body's pace),
     * so that the client reads the answer sent after it rather than a reset; whether it was read whole.
     */
    boolean discard(ServerRequest req, ServerResponse res) {
        if (!req.content().hasEntity()) {
            return true;
        }
        Deadline deadline = new Deadline(res);
        try {
            return drain(req.content().inputStream(), deadline, maxBytes);
        } finally {
            deadline.finish();
        }
    }

    private static boolean drain(InputStream in, Deadline deadline) {
        return drain(in, deadline, DRAIN_BYTES);
    }

    /** Reads and drops what is left of a body, up to {@code bound} bytes; whether it all came (so the connection may stay). */
    private static boolean drain(InputStream in, Deadline deadline, long bound) {
        byte[] sink = new byte[8192];
        long dropped = 0;
        while (dropped <= bound) {
            int n = deadline.read(in, sink, 0, sink.length);
            if (n < 0) {
                return true;
            }
            dropped += n;
        }
        return false;
    }

    /**
     * The 413, the connection kept when {@code keep} (the body was read whole and the client did not ask to close),
     * else closed: the framework leaves a connection open after an answer sent from an error handler even when the
     * request said {@code Connection: close}.
     */
    private RuntimeException tooLarge(ServerResponse res, String size, boolean keep) {
        String expected = "at most " + maxBytes + " bytes (--max-body-mb)";
        ApiError error = new ApiError(413, "too_large", "body=" + size + ", expected " + expected, "body", size,
                expected);
        return keep ? new Refusal(error, Map.of()) : answerAndClose(res, error, Map.of());
    }

    /**
     * The 503 of a body the budget cannot hold, once the rest of it was read and dropped (up to {@code maxBytes}, at
     * the body's pace, none of it held): closed with the client's bytes unread, the connection would be reset, and
     * a client still sending, or whose 503 was not yet read, would see the reset instead of the answer.
     */
    private RuntimeException overloaded(ServerResponse res, InputStream in, Deadline deadline) {
        drain(in, deadline, maxBytes);
        return answerAndClose(res, ApiError.of(503, "overloaded", "the server holds as many request bodies as it may"
                + " (--max-bodies-mb): retry after a second"), Map.of("Retry-After", "1"));
    }

    /**
     * Answers now and has the connection closed: the rest of the body will not be read, and the framework
     * would otherwise read on to find the next request (and, on broken framing, answer a second time).
     */
    static RuntimeException answerAndClose(ServerResponse res, ApiError error, Map<String, String> headers) {
        Map<String, String> all = new java.util.HashMap<>(headers);
        all.put("Connection", "close");
        Answer.error(error, all).send(res);
        return new CloseConnectionException("answered " + error.status() + " without reading the rest of the body");
    }

    /**
     * The pace a body must keep: {@code nanosPerMiB} for each MiB read so far, plus one. The watch
     * ({@link BodyWatch}) checks it every tick; missing it interrupts the reading thread, which closes the connection
     * (a virtual thread's socket read ends on interrupt), and the read fails.
     */
    private final class Deadline implements BodyWatch.Read {
        private final long start = System.nanoTime();
        private final Thread reader = Thread.currentThread();
        private final ServerResponse res;
        private volatile long bytes;
        private boolean done;
        private boolean fired;

        Deadline(ServerResponse res) {
            this.res = res;
            WATCH.add(this);
        }

        /** One read; a failure is the deadline's cut-off, the client gone, or broken chunked framing. */
        int read(InputStream in, byte[] into, int from, int length) {
            int n;
            try {
                n = in.read(into, from, length);
            } catch (IOException | RuntimeException e) {
                throw failed(e);
            }
            if (n > 0) {
                bytes += n;
            }
            return n;
        }

        private RuntimeException failed(Exception e) {
            synchronized (this) {
                if (fired) {
                    return new CloseConnectionException("the body did not arrive within its deadline ("
                            + bytes + " bytes read)");
                }
            }
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof IOException) {
                    return new CloseConnectionException("the client went away mid-body (" + t + ")");
                }
            }
            // Not an I/O failure: the framework could not read the body's framing (a chunk size that is not hex...).
            return answerAndClose(res, ApiError.of(400, "bad_request", "the body's framing is broken: "
                    + Printable.of(String.valueOf(e.getMessage()))), Map.of());
        }

        private long dueNanos() {
            return start + nanosPerMiB * (1 + bytes / MIB);
        }

        @Override
        public synchronized void check(long now) {
            if (done || fired || now < dueNanos()) {
                return;
            }
            fired = true;
            reader.interrupt();
        }

        /** Reading is over: no cut-off from now on, and an interrupt that came too late is cleared. */
        synchronized void finish() {
            done = true;
            WATCH.remove(this);
            if (fired) {
                Thread.interrupted();
            }
        }
    }
}
