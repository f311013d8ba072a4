package dev.quarry.bench.peers;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures what a library logs (java.util.logging) while it picks its vectorization provider. Lucene
 * and JVector both say there which provider they chose, or why they fell back to scalar code (a
 * missing {@code --add-modules jdk.incubator.vector}, an unsupported JDK), and the report should carry
 * that reason rather than a guess. The messages still reach the console as usual.
 */
final class ProviderLog {
    private ProviderLog() {
    }

    /**
     * Runs {@code init} (which must trigger the provider choice) and returns what {@code logger} and the
     * loggers below it logged meanwhile.
     */
    static List<String> capture(String logger, Runnable init) {
        Logger log = Logger.getLogger(logger); // held strongly, so the library gets this same instance
        List<String> messages = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                synchronized (messages) {
                    messages.add(r.getLevel() + ": " + r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(handler);
        try {
            init.run();
        } finally {
            log.removeHandler(handler);
        }
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    /** {@code name (message; message)}, or just the name when nothing was logged. */
    static String describe(String name, List<String> messages) {
        return messages.isEmpty() ? name : name + " (" + String.join("; ", messages) + ")";
    }
}
