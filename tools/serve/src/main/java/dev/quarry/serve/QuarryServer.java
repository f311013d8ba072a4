package dev.quarry.serve;

import dev.quarry.negatives.NegativesStore;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernelsProvider;
import io.helidon.webserver.WebServer;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * A running service: the mining service (current index version, refresh), the admission queue, the
 * metrics, the negatives store and the HTTP server over them. {@link #close} drains: new mine calls
 * are refused with 503, calls in flight finish (up to a grace period), then everything is closed.
 */
public final class QuarryServer implements AutoCloseable {
    private static final Duration DRAIN_GRACE = Duration.ofSeconds(30);

    private final MiningService service;
    private final Admission admission;
    private final NegativesStore store;
    private final HttpApi api;
    private final WebServer server;
    private final PrintWriter log;

    private QuarryServer(ServeSettings settings, PrintWriter log) {
        this.log = log;
        VectorStore corpus = VectorStore.open(settings.corpus());
        MiningService opened;
        try {
            opened = new MiningService(corpus, settings.index(), settings.corpusIds(), VectorKernelsProvider.get(),
                    settings.search(), settings.preset(), settings.buildThreads(), log);
        } catch (RuntimeException | Error e) {
            corpus.close();
            throw e;
        }
        this.service = opened;
        NegativesStore negatives = null;
        try {
            negatives = settings.negativesStore() == null ? null
                    : NegativesStore.open(settings.negativesStore(), settings.storeAnchors());
            if (negatives != null && negatives.recovered()) {
                log.println("quarry serve: " + settings.negativesStore() + ": " + negatives.recovery());
                log.flush();
            }
            this.store = negatives;
            RequestLimits limits = settings.limits();
            this.admission = new Admission(limits.running(), limits.waiting());
            ServerMetrics metrics = new ServerMetrics(admission, service);
            this.api = new HttpApi(service, admission, metrics, limits, settings.token(), store,
                    new RefreshFiles(settings.refreshDir()), settings.defaults(), log);
            this.server = WebServer.builder().host(settings.host()).port(settings.port())
                    .maxPayloadSize(limits.maxBodyBytes())
                    // Beyond the calls running and waiting, a few for health, status and metrics.
                    .maxConcurrentRequests(limits.running() + limits.waiting() + 16)
                    .shutdownGracePeriod(Duration.ofSeconds(5))
                    .routing(api::routes).build().start();
        } catch (RuntimeException | Error e) {
            if (negatives != null) {
                negatives.close();
            }
            service.close();
            throw e;
        }
    }

    /** Opens the corpus and index, warms up, and starts answering on the settings' address. */
    public static QuarryServer start(ServeSettings settings, PrintWriter log) {
        return new QuarryServer(settings, log);
    }

    /** The port bound (the one asked for, or the one picked for port 0). */
    public int port() {
        return server.port();
    }

    /** The mining service (for tests in this package). */
    MiningService service() {
        return service;
    }

    /** The admission queue (for tests in this package). */
    Admission admission() {
        return admission;
    }

    /** The index version served now. */
    public long indexVersion() {
        return service.current().version();
    }

    /** The search options of calls that give none, and how they were chosen (the server's options or its preset). */
    public String describeSearch() {
        return service.current().describeSearch();
    }

    /** Stops admitting, lets calls in flight finish (30 s at most), then stops and closes everything. */
    @Override
    public void close() {
        admission.drain();
        long deadline = System.nanoTime() + DRAIN_GRACE.toNanos();
        while (api.inFlight() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (api.inFlight() > 0) {
            log.println("quarry serve: " + api.inFlight() + " requests still running after " + DRAIN_GRACE.toSeconds()
                    + " s; stopping anyway");
        }
        server.stop();
        service.close();
        if (store != null) {
            store.close();
        }
        log.flush();
    }
}
