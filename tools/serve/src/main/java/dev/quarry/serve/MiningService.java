package dev.quarry.serve;

import dev.quarry.QuarryDataException;
import dev.quarry.files.ChecksumCache;
import dev.quarry.index.SearchParams;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MinerPreset;
import dev.quarry.mining.MiningConfig;
import dev.quarry.pipeline.StoreIds;
import dev.quarry.store.StoreContents;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the service serves: the current {@link ServedIndex}, swapped atomically by a refresh. A mine
 * call holds the version it started on until it returns, so it never sees two versions; a refresh
 * opens and warms the new version beside the live one on its own thread (no request waits for it),
 * swaps, and the old version closes after its last request.
 */
final class MiningService implements AutoCloseable {
    private final WorkDirectory work;
    private final VectorKernels kernels;
    private final SearchParams search;
    private final MinerPreset preset;
    private final int threads;
    private final PrintWriter log;
    private final RecallMonitor monitor;
    private final AtomicReference<ServedIndex> current = new AtomicReference<>();
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final ExecutorService refresher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "quarry-refresh");
        t.setDaemon(true);
        return t;
    });
    private volatile String refreshError;
    /** Where the last refresh's time went, or null before the first. */
    private volatile RefreshPhases lastRefresh;
    /** For tests: when set, a refresh waits on it after building the next version and before swapping it in. */
    volatile java.util.concurrent.CountDownLatch beforeSwap;
    private final java.util.concurrent.atomic.AtomicLong refreshes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong refreshFailures = new java.util.concurrent.atomic.AtomicLong();

    /** What a mine call returns: the anchors' negatives and the version they were mined from. */
    record Mined(List<MinedAnchor> anchors, long version, dev.quarry.labels.IdMap ids) {
    }

    MiningService(WorkDirectory work, Path source, VectorStore corpus, Path indexFile, Path idFile, VectorKernels kernels,
                  SearchParams search, MinerPreset preset, int threads, RecallMonitor monitor, PrintWriter log) {
        this.work = work;
        this.monitor = monitor;
        this.kernels = kernels;
        this.search = search;
        this.preset = preset;
        this.threads = threads;
        this.log = log;
        StoreIds ids = StoreIds.of(corpus, idFile, null);
        try {
            current.set(open(1, source, corpus, indexFile, ids));
        } catch (RuntimeException | Error e) {
            ids.close();
            throw e;
        }
    }

    private ServedIndex open(long version, Path source, VectorStore corpus, Path indexFile, StoreIds ids) {
        VectorIndex index = indexFile == null ? new FlatIndex(corpus, kernels)
                : IvfIndex.open(indexFile, corpus, kernels);
        ServedIndex served = new ServedIndex(version, source, corpus, index, indexFile, ids, kernels, search, preset);
        served.afterClose(() -> work.deleteVersion(version)); // every file of a version is the server's own copy
        try {
            served.miner(MiningConfig.defaults()); // the default miner, warmed up before anything is served from it
        } catch (RuntimeException | Error e) {
            index.close();
            throw e;
        }
        return served;
    }

    /** The search options of calls that give none: the server's, with what its preset chose for the version served. */
    SearchParams search() {
        return current().search();
    }

    /** The held-out recall of each version, and the options calls that leave them out are served. */
    RecallMonitor monitor() {
        return monitor;
    }

    /** The version served now. */
    ServedIndex current() {
        return current.get();
    }

    /** Mines with the version current when the call starts, held until it returns. */
    Mined mine(MiningConfig config, SearchParams params, AnchorsCall call) {
        ServedIndex served = hold();
        try {
            List<MinedAnchor> mined = call.mine(served, served.miner(config), params);
            return new Mined(mined, served.version(), served.ids());
        } finally {
            served.release();
        }
    }

    /** A call made with a held version. */
    @FunctionalInterface
    interface AnchorsCall {
        List<MinedAnchor> mine(ServedIndex served, dev.quarry.mining.Miner miner, SearchParams params);
    }

    private ServedIndex hold() {
        while (true) {
            ServedIndex served = current.get();
            if (served.acquire()) {
                return served;
            }
        }
    }

    /**
     * Starts serving {@code file} (the same rows and ids as now, re-embedded): its rows assigned to the
     * current centroids (or, with {@code retrain}, a new index trained), written into the work directory,
     * opened and warmed up, then swapped in. The file is copied into the work directory, and the copy's
     * shape and ids checked, before this returns (a
     * {@link QuarryDataException} for a file that cannot be the same rows); the rest runs on the
     * refresh thread. Once the new version is served the refresh is done, and its held-out recall is measured
     * on {@code heldout} (re-embedded held-out queries; null: the set in use) on the monitor's own thread
     * ({@link RecallMonitor#submit}). Returns false
     * when a refresh is already running ({@code heldout} is then the caller's to close).
     */
    boolean refresh(Path file, boolean retrain, HeldOutSet heldout) {
        if (!refreshing.compareAndSet(false, true)) {
            return false;
        }
        monitor.refreshStarted(); // a held-out evaluation running now gives way until this refresh is done
        ServedIndex now = current.get();
        long version = now.version() + 1;
        VectorStore corpus;
        long copyStart = System.nanoTime();
        double copySeconds;
        try {
            // Copied in before the caller hears "accepted": from then on the trainer may rewrite or delete it.
            Path copy = work.copyIn(file, null, version);
            work.keepIds(now.storeIds().file(), copy); // a file without ids keeps the rows' ids served now
            corpus = openSameRows(copy);
            copySeconds = (System.nanoTime() - copyStart) / 1e9;
        } catch (RuntimeException | Error e) {
            work.deleteVersion(version);
            refreshing.set(false);
            monitor.refreshEnded();
            throw e;
        }
        refreshError = null;
        refresher.execute(() -> {
            ServedIndex next;
            try {
                next = swapTo(file, corpus, retrain, copySeconds);
            } catch (RuntimeException | Error e) {
                if (heldout != null && monitor.heldout() != heldout) {
                    heldout.close(); // never adopted: the version it came with was not served
                }
                refreshError = e.getMessage() == null ? e.toString() : e.getMessage();
                refreshFailures.incrementAndGet();
                log.println("quarry serve: refresh from " + file + " failed: " + refreshError);
                if (!(e instanceof dev.quarry.QuarryDataException || e instanceof dev.quarry.QuarryUsageException)) {
                    e.printStackTrace(log); // not a bad input: the server's own failure, for whoever reads the log
                }
                log.flush();
                refreshing.set(false);
                monitor.refreshEnded();
                return;
            }
            // Done once served: the next refresh may start. Its own evaluation is queued after this one's (one
            // refresher thread), so versions reach the monitor in order.
            refreshing.set(false);
            monitor.submit(next, heldout);
            monitor.refreshEnded(); // after the submit: the new version's evaluation is queued behind the paused one
        });
        return true;
    }

    /** Opens {@code file} and checks it holds the rows served now: the same count, dimension and ids. */
    private VectorStore openSameRows(Path file) {
        ServedIndex now = current.get();
        VectorStore corpus = VectorStore.open(file);
        try {
            if (corpus.count() != now.corpus().count() || corpus.dim() != now.corpus().dim()) {
                throw new QuarryDataException(file, "shape", corpus.count() + " x " + corpus.dim(),
                        now.corpus().count() + " x " + now.corpus().dim() + " as the corpus served now (the same"
                                + " rows, re-embedded)");
            }
            try (StoreIds ids = StoreIds.of(corpus, null, null)) {
                if (ids.file() != null) {
                    for (int row = 0; row < corpus.count(); row++) {
                        if (!ids.ids().id(row).equals(now.ids().id(row))) {
                            throw new QuarryDataException(ids.file(), "ids[" + row + "]", ids.ids().id(row),
                                    now.ids().id(row) + " as the corpus served now (a refresh keeps the rows and"
                                            + " their order)");
                        }
                    }
                }
            }
            return corpus;
        } catch (RuntimeException | Error e) {
            corpus.close();
            throw e;
        }
    }

    private ServedIndex swapTo(Path source, VectorStore corpus, boolean retrain, double copySeconds) {
        long t0 = System.nanoTime();
        boolean monitorBusy = monitor.evaluating();
        ServedIndex old = hold();
        Path file = corpus.path();
        Path indexFile = null; // written by this refresh (IVF only)
        try {
            // Every row read once: a corpus written by a trainer gets no trust from its footer (a torn or
            // hand-made file), and one NaN row would score NaN against every anchor.
            dev.quarry.store.StoreContent content = StoreContents.verify(corpus, null);
            content.requireFinite(corpus, "corpus");
            long checked = System.nanoTime();
            double assign = 0;
            double write = 0;
            if (old.index() instanceof IvfIndex ivf) {
                indexFile = WorkDirectory.indexFile(file);
                IvfBuilder.Report built;
                if (retrain) {
                    built = new IvfBuilder(kernels).build(corpus, new KMeansParams(ivf.nlist(), 10, 64, 0,
                            ivf.spherical(), ivf.seed(), threads), indexFile, null);
                } else {
                    built = new IvfBuilder(kernels).reassign(corpus, ivf, threads, indexFile, null);
                }
                // the rest of the build (training, the graph) counts as assignment: what is not the file's writing
                write = built.writeSeconds();
                assign = (System.nanoTime() - checked) / 1e9 - write;
            }
            long indexed = System.nanoTime();
            // The ids stay those served (checked, or carried over): a refresh brings new vectors for the same rows.
            StoreIds ids = StoreIds.of(corpus, null, null);
            ServedIndex next = open(old.version() + 1, source, corpus, indexFile, ids);
            long opened = System.nanoTime();
            java.util.concurrent.CountDownLatch gate = beforeSwap;
            if (gate != null) {
                gate.await();
            }
            long swapStart = System.nanoTime();
            ServedIndex retired = current.getAndSet(next);
            retired.release(); // the service's own hold: closes once the last request lets go
            long swapped = System.nanoTime();
            refreshes.incrementAndGet();
            RefreshPhases phases = new RefreshPhases(next.version(), copySeconds, (checked - t0) / 1e9, assign, write,
                    (opened - indexed) / 1e9, (swapped - swapStart) / 1e9, copySeconds + (swapped - t0) / 1e9,
                    monitorBusy);
            lastRefresh = phases;
            log.println(phases.describe());
            log.printf("quarry serve: now serving version %d from %s (rows checksum %s; %s), refreshed in %.1f s%n",
                    next.version(), source, content.checksumHex(), next.index().describe(), (System.nanoTime() - t0) / 1e9);
            log.flush();
            return next; // its held-out recall is measured on the monitor's thread, after the refresh is done
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("refresh interrupted (the server is stopping)", e);
        } catch (RuntimeException | Error e) {
            if (current.get().corpus() != corpus) {
                corpus.close();
                if (indexFile != null) {
                    ChecksumCache.forget(indexFile); // the build kept its body's checksum; before the delete
                }
                work.deleteVersion(old.version() + 1);
            }
            throw e;
        } finally {
            old.release();
        }
    }

    boolean refreshing() {
        return refreshing.get();
    }

    String refreshError() {
        return refreshError;
    }

    /** Where the last refresh's time went, or null before the first. */
    RefreshPhases lastRefresh() {
        return lastRefresh;
    }

    /** Refreshes swapped in since start. */
    long refreshes() {
        return refreshes.get();
    }

    /** Refreshes that failed since start (the version served stayed). */
    long refreshFailures() {
        return refreshFailures.get();
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        current.get().release();
    }
}
