package dev.quarry.bench.peers;

import java.io.IOException;

/**
 * One implementation under test. It loads the data the way its users hold it, then for each of its
 * configurations runs untimed warm-up passes over all queries and the timed passes
 * ({@link TimedPasses}), handing each {@link Measurement} to the sink as soon as it is complete.
 */
public interface Contender {
    /** Receives each configuration's result. */
    @FunctionalInterface
    interface Sink {
        void accept(Measurement m) throws IOException;
    }

    /** The SIMD code the contender's dot products run on, as its library reports it. */
    String simd();

    /** Measures every configuration the options ask for. */
    void run(PeerData data, PeerOptions options, Sink sink) throws IOException;
}
