package dev.quarry.serve;

import dev.quarry.negatives.NegativesStore;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernelsProvider;
import io.helidon.webserver.WebServer;
import dev.quarry.store.StoreContent;
import dev.quarry.store.StoreContents;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A running service: the mining service (current index version, refresh), the admission queue, the
 * metrics, the negatives store and the HTTP server over them. {@link #close} drains: new mine calls
 * are refused with 503, calls in flight finish (up to a grace period), then everything is closed.
 */
public final class QuarryServer implements AutoCloseable {
    private static final Duration DRAIN_GRACE = Duration.ofSeconds(30);
    /**
     * The accept queue asked of the system (which caps it at net.core.somaxconn, 4,096 on current Linux):
     * connections past --max-connections wait there, so a flood is held by the kernel, not dropped.
     */
    private static final int ACCEPT_QUEUE = 4096;

    private final MiningService service;
    private final Admission admission;
    private final NegativesStore store;
    private final RecallMonitor monitor;
    private final InFlight inFlight = new InFlight();
    private final WorkDirectory work;
    private final WebServer server;
    private final RequestWarmUp.Report warmUp;
    private final PrintWriter log;

    private QuarryServer(ServeSettings settings, PrintWriter log) {
        this.log = log;
        this.work = WorkDirectory.claim(settings.workDir(), log);
        MiningService opened;
        VectorStore corpus = null;
        HeldOutSettings heldout = settings.heldout();
        this.monitor = new RecallMonitor(VectorKernelsProvider.get(), settings.buildThreads(), heldout.recallDrop(),
                heldout.onDrop(), settings.defaults(), log);
        try {
            // The server maps only files it owns: the corpus, its ids and its index are copied in first.
            Path corpusCopy = work.copyIn(settings.corpus(), settings.corpusIds(), 1);
            Path indexCopy = settings.index() == null ? null : work.copyIn(settings.index(), null, 1);
            corpus = VectorStore.open(corpusCopy);
            StoreContent content = StoreContents.verify(corpus, null);
            log.println("quarry serve: serving a copy of " + settings.corpus() + " in " + work.path() + " (rows checksum "
                    + content.checksumHex() + ")");
            log.flush();
            opened = new MiningService(work, settings.corpus(), corpus, indexCopy, null, VectorKernelsProvider.get(), settings.search(),
                    settings.preset(), settings.buildThreads(), monitor, log);
        } catch (RuntimeException | Error e) {
            if (corpus != null) {
                corpus.close();
            }
            work.close();
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
            TrainingAnchors training = new TrainingAnchors(negatives);
            if (heldout.queries() != null) {
                // Measured before the server listens: the first version is the baseline later ones are held to.
                ServedIndex first = service.current();
                monitor.evaluate(first, HeldOutSet.load(heldout.queries(), heldout.qrels(), first.ids(),
                        first.corpus().dim(), work, training::contains));
            }
            RequestLimits limits = settings.limits();
            this.admission = new Admission(limits.running(), limits.waiting(), limits.bodiesBytes());
            ServerMetrics metrics = new ServerMetrics(admission, service);
            ServeRouting.ServeParts parts = new ServeRouting.ServeParts(service, admission, metrics, limits,
                    settings.token(), store, new RefreshFiles(settings.refreshDir()), inFlight, work, training, false);
            // The request path is warmed up on a listener of its own first: the server's address is bound only once a
            // trainer's first call there meets compiled code (RequestWarmUp).
            this.warmUp = RequestWarmUp.run(parts, (host, port, p) -> listen(host, port, limits, p, log));
            log.println("quarry serve: " + warmUp.describe());
            log.flush();
            this.server = listen(settings.host(), settings.port(), limits, parts, log);
        } catch (RuntimeException | Error e) {
            if (negatives != null) {
                negatives.close();
            }
            monitor.close();
            service.close();
            work.close();
            throw e;
        }
    }

    /** The server's HTTP listener on {@code host:port}, started: the address users call, or the warm-up's. */
    private static WebServer listen(String host, int port, RequestLimits limits, ServeRouting.ServeParts parts,
                                    PrintWriter log) {
        return WebServer.builder().host(host).port(port)
                // Bodies are bounded by BodyReader, which answers 413 after reading what is left, so
                // the client reads its answer; the framework's own bound would close on it instead. Mine
                // calls are bounded by the admission, which refuses them once their body is read; the
                // framework's bound on requests (unbounded here) answers 503 and closes with the body
                // unread, so a client still sending, or not yet reading, got a reset instead of the 503.
                .maxConcurrentRequests(-1)
                // What bounds the heap instead: past this many connections the listener stops accepting
                // (it takes a permit before accept), so further clients wait in the system's accept queue
                // with their bytes unread: no heap, no reset, answered in turn. Without it a flood faster
                // than the cores can read and refuse accepted every connection with its buffers and
                // thread, and -Xmx128m ran out of memory. Idle connections give their permit back after
                // the idle time, so idle clients cannot hold the permits for long.
                .maxTcpConnections(limits.connections())
                .backlog(ACCEPT_QUEUE)
                .idleConnectionTimeout(Duration.ofSeconds(limits.idleSeconds()))
                .idleConnectionPeriod(Duration.ofSeconds(Math.max(1, limits.idleSeconds() / 4)))
                .shutdownGracePeriod(Duration.ofSeconds(5))
                .routing(routing -> ServeRouting.build(routing, parts, log)).build().start();
    }

    /** Opens the corpus and index, warms up, and starts answering on the settings' address. */
    public static QuarryServer start(ServeSettings settings, PrintWriter log) {
        return new QuarryServer(settings, log);
    }

    /** The port bound (the one asked for, or the one picked for port 0). */
    public int port() {
        return server.port();
    }

    /** Seconds the warm-up of the request path took, before the server listened. */
    public double warmUpSeconds() {
        return warmUp.seconds();
    }

    /** The warm-up's report (for tests in this package). */
    RequestWarmUp.Report warmUp() {
        return warmUp;
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
        boolean drained;
        try {
            drained = inFlight.awaitDrained(DRAIN_GRACE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        if (!drained) {
            log.println("quarry serve: " + inFlight.count() + " requests still running after "
                    + DRAIN_GRACE.toSeconds() + " s; stopping anyway");
        }
        server.stop();
        admission.close();
        service.close();
        monitor.close();
        if (store != null) {
            store.close();
        }
        work.close();
        log.flush();
    }
}
