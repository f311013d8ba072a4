package dev.quarry.serve;

/**
 * What one request may ask and how much the service takes on at once: anchors per request, body
 * bytes, mine calls running together, and requests waiting for one of those slots. Past them a
 * request is refused (400 for a too-large request, 503 with Retry-After for a full queue), so memory
 * stays bounded by {@code (running + waiting) x maxBodyBytes} whatever clients send.
 *
 * @param maxAnchors anchors in one mine request
 * @param maxBodyBytes bytes of a request body
 * @param running mine calls that run at once
 * @param waiting mine calls that may wait for a running slot
 */
record RequestLimits(int maxAnchors, long maxBodyBytes, int running, int waiting) {
    RequestLimits {
        if (maxAnchors < 1 || maxBodyBytes < 1 || running < 1 || waiting < 0) {
            throw new IllegalArgumentException("limits: maxAnchors=" + maxAnchors + " maxBodyBytes=" + maxBodyBytes
                    + " running=" + running + " waiting=" + waiting);
        }
    }
}
