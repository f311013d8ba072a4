package dev.quarry.serve;

/**
 * What one request may ask and how much the service takes on at once: anchors per request, body
 * bytes, mine calls running together, calls reading their body or waiting for one of those slots, the
 * bytes of all bodies held at once, the pace a body must arrive at, the connections accepted at once and
 * how long one may sit idle. Past them a request is refused (400 or 413 for a too-large request, 503 with
 * Retry-After when the places or the bytes are taken), so the bodies in memory stay within
 * {@code bodiesBytes} whatever clients send. A connection past {@code connections} is not accepted until
 * one closes: it waits in the system's accept queue, where it costs the heap nothing and its client is
 * not reset, so the heap is bounded by the connections accepted (their buffers and reading thread, about
 * 28 KB each) plus the bodies, however fast clients connect.
 *
 * @param maxAnchors anchors in one mine request
 * @param maxBodyBytes bytes of a request body
 * @param running mine calls that run at once
 * @param waiting mine calls that may read their body or wait for a running slot
 * @param bodiesBytes bytes of all request bodies held at once
 * @param bodySecondsPerMiB seconds a body may take per MiB (the first MiB included) before it is cut off
 * @param connections connections accepted at once
 * @param idleSeconds seconds a connection may sit idle between requests before it is closed, so idle
 *                    clients hold places among {@code connections} for that long at most
 */
record RequestLimits(int maxAnchors, long maxBodyBytes, int running, int waiting, long bodiesBytes,
                     double bodySecondsPerMiB, int connections, int idleSeconds) {
    /** The default bound of all bodies held at once: 256 MiB, about 2,700 typical batches (64 x 384 float32). */
    static final long DEFAULT_BODIES_BYTES = 256L << 20;
    /** The default pace of a body: 5 s per MiB. */
    static final double DEFAULT_BODY_SECONDS_PER_MIB = 5;
    /**
     * The default bound of connections accepted at once: 4,096, about 115 MiB of connection buffers and reading
     * threads. A trainer holds one connection per worker; a flood beyond it waits in the accept queue.
     */
    static final int DEFAULT_CONNECTIONS = 4096;
    /** The default idle time of a connection between requests: 60 s, longer than a training step. */
    static final int DEFAULT_IDLE_SECONDS = 60;

    RequestLimits {
        if (maxAnchors < 1 || maxBodyBytes < 1 || running < 1 || waiting < 0 || bodiesBytes < maxBodyBytes
                || !(bodySecondsPerMiB > 0) || bodySecondsPerMiB > 3600 || connections < 1 || idleSeconds < 1) {
            throw new IllegalArgumentException("limits: maxAnchors=" + maxAnchors + " maxBodyBytes=" + maxBodyBytes
                    + " running=" + running + " waiting=" + waiting + " bodiesBytes=" + bodiesBytes
                    + " bodySecondsPerMiB=" + bodySecondsPerMiB + " connections=" + connections
                    + " idleSeconds=" + idleSeconds);
        }
    }

    /** The default connections bound and idle time. */
    RequestLimits(int maxAnchors, long maxBodyBytes, int running, int waiting, long bodiesBytes,
                  double bodySecondsPerMiB) {
        this(maxAnchors, maxBodyBytes, running, waiting, bodiesBytes, bodySecondsPerMiB, DEFAULT_CONNECTIONS,
                DEFAULT_IDLE_SECONDS);
    }

    /** The default bodies bound (at least one body of {@code maxBodyBytes}) and pace. */
    RequestLimits(int maxAnchors, long maxBodyBytes, int running, int waiting) {
        this(maxAnchors, maxBodyBytes, running, waiting, Math.max(maxBodyBytes, DEFAULT_BODIES_BYTES),
                DEFAULT_BODY_SECONDS_PER_MIB);
    }
}
