package dev.quarry.serve;

import java.util.Locale;

/**
 * Where a mine call's time went inside the server, sent with its answer as a {@code Server-Timing} header (the W3C
 * Server Timing header: each phase's duration in milliseconds): {@code read} (the body, from the handler's start),
 * {@code decode} (the request read into anchors, positives and options), {@code queue} (waiting for a running slot),
 * {@code handoff} (to a mining thread), {@code mine} (the miner's call), {@code return} (back to the request's
 * thread) and {@code encode} (the answer's bytes). What a client measures beyond their sum is outside the handler:
 * the connection, the framework's reading of the request's head and writing of the answer, and the threads' wake-ups.
 * When the call is handed to a mining thread, that thread's two stamps are read after the call's future returned
 * them (happens-before); when it mines on the request's own thread, {@code handoff} and {@code return} are the
 * few nanoseconds of deciding so. Not thread-safe otherwise: one call's.
 */
final class CallPhases {
    static final String HEADER = "Server-Timing";

    private final long start = System.nanoTime();
    private long read;
    private long decoded;
    private long slot;
    private long mineStart;
    private long mineEnd;
    private long returned;

    void read() {
        read = System.nanoTime();
    }

    void decoded() {
        decoded = System.nanoTime();
    }

    void slot() {
        slot = System.nanoTime();
    }

    /** On the mining thread, as the call starts there. */
    void mineStart() {
        mineStart = System.nanoTime();
    }

    /** On the mining thread, as the miner returns. */
    void mineEnd() {
        mineEnd = System.nanoTime();
    }

    void returned() {
        returned = System.nanoTime();
    }

    /** The header's value, the answer encoded now. */
    String header() {
        long encoded = System.nanoTime();
        return String.format(Locale.ROOT, "read;dur=%.3f, decode;dur=%.3f, queue;dur=%.3f, handoff;dur=%.3f,"
                        + " mine;dur=%.3f, return;dur=%.3f, encode;dur=%.3f", ms(read - start), ms(decoded - read),
                ms(slot - decoded), ms(mineStart - slot), ms(mineEnd - mineStart), ms(returned - mineEnd),
                ms(encoded - returned));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
