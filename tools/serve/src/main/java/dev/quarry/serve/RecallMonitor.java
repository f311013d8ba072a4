package dev.quarry.serve;

import dev.quarry.eval.EvalResult;
import dev.quarry.eval.Evaluator;
import dev.quarry.index.SearchParams;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import dev.quarry.vector.VectorKernels;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Held-out recall watched while a model trains: after each refresh (and at start), exact recall@10,
 * recall@100 and nDCG@10 of the held-out queries over the new version's corpus, kept per version. A
 * version whose recall@10 falls more than the allowed drop below the best version so far is flagged with
 * {@link #ADVICE}; with {@link OnDrop#TIGHTEN}, the options a mine call leaves out switch from the server's
 * defaults (the schema's, or serve's {@code --options-file}) to those defaults made safer ({@link #tightened})
 * from then on. A refreshed version is measured on the monitor's own thread after the refresh is done
 * ({@link #submit}): neither a mine call nor the refresh waits for it. The evaluation never competes with a
 * refresh: while one runs ({@link #refreshStarted} to {@link #refreshEnded}) it pauses between blocks of rows
 * and resumes when the refresh is done; the refresh's phases never wait on it.
 */
final class RecallMonitor implements AutoCloseable {
    /** What a drop means, and what to do about it. */
    static final String ADVICE = "held-out recall dropped: your false-negative rate is too high: use confidence"
            + " filtering or softer negative selection";

    /** The schema's defaults made safer ({@link #tightened}): what a server without an options file serves after a drop. */
    static final MineOptions TIGHTENED = tightened(MineOptions.defaults());

    /**
     * The safer served options after a drop, on top of {@code base}: negatives at most 90% of the positive's
     * score (relative_margin 0.1, the schema's 0.05: confidence filtering), candidates at cosine 0.85 or more to
     * a positive dropped as likely unlabelled positives (near_duplicate 0.85, the schema's 0.9), and negatives
     * drawn at random from the rank window instead of the hardest first (softer selection). A base already
     * stricter than these (a larger margin, a lower near-duplicate cosine) keeps its own value: tightening never
     * loosens. The rank window and everything else stay the base's, so no request's own window becomes invalid.
     */
    static MineOptions tightened(MineOptions base) {
        double margin = base.get(MineSettings.RELATIVE_MARGIN);
        double nearDuplicate = base.get(MineSettings.NEAR_DUPLICATE);
        return base.toBuilder()
                .set(MineSettings.RELATIVE_MARGIN, Double.isNaN(margin) ? 0.1 : Math.max(margin, 0.1))
                .set(MineSettings.NEAR_DUPLICATE, Double.isNaN(nearDuplicate) ? 0.85 : Math.min(nearDuplicate, 0.85))
                .set(MineSettings.SAMPLING_STRATEGY, "random").build();
    }

    /** What the server does when a version's recall drops. */
    enum OnDrop {
        /** Flag it (status, metrics, the client) and keep the served options. */
        WARN,
        /** Flag it and serve the defaults made safer ({@link #tightened}) as the options calls leave out. */
        TIGHTEN
    }

    private final VectorKernels kernels;
    private final int threads;
    private final int backgroundThreads;
    private final double allowedDrop;
    private final OnDrop onDrop;
    private final PrintWriter log;
    private final List<VersionRecall> history = new ArrayList<>();
    private volatile HeldOutSet heldout;
    /** The safer options a drop switches to under {@link OnDrop#TIGHTEN}: built at start, so they cannot fail later. */
    private final MineOptions tightened;
    private volatile MineOptions servedDefaults;
    private volatile long tightenedAt;
    /** Guards the held-out sets' life, the pending version and the evaluator's state. */
    private final Object life = new Object();
    private boolean closed;
    /** The set the evaluation running now searches (closed by it when it is no longer the set in use). */
    private HeldOutSet running;
    /** A served version waiting for its evaluation (held: acquired), or null; a newer one supersedes it. */
    private ServedIndex pending;
    private boolean draining;
    private volatile long evaluatingVersion;
    private volatile long pendingVersion;
    private final AtomicLong superseded = new AtomicLong();
    private volatile String error;
    private volatile long errorVersion;
    /** One thread, so evaluations never pile up: a refresh's version is measured after the refresh returned. */
    private final ExecutorService evaluator = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "quarry-heldout");
        t.setDaemon(true);
        return t;
    });
    /** For tests: told of every version evaluated. */
    volatile Consumer<VersionRecall> listener = r -> { };
    /** For tests: when set, an evaluation after a refresh waits on it before it searches. */
    volatile java.util.concurrent.CountDownLatch beforeMeasure;
    /** Where the evaluation waits while a refresh runs, and how long it waited (wall time). */
    final RefreshGate gate = new RefreshGate();

    /**
     * @param threads the threads of the evaluation at start (before the server listens: all of them); a
     *                refreshed version is evaluated with one fewer (at least one), so mine calls keep a core
     * @param defaults the options calls that leave settings out take until a drop tightens them (the schema's
     *                 defaults, or serve's {@code --options-file})
     */
    RecallMonitor(VectorKernels kernels, int threads, double allowedDrop, OnDrop onDrop, MineOptions defaults,
                  PrintWriter log) {
        this.servedDefaults = defaults;
        this.tightened = tightened(defaults);
        this.kernels = kernels;
        this.threads = threads;
        this.backgroundThreads = Math.max(1, threads - 1);
        this.allowedDrop = allowedDrop;
        this.onDrop = onDrop;
        this.log = log;
    }

    /**
     * Evaluates {@code version} now, on the calling thread with every thread (the version served at start,
     * before the server listens): {@code replacement} becomes the set in use. Does nothing without a set.
     */
    void evaluate(ServedIndex version, HeldOutSet replacement) {
        HeldOutSet set;
        synchronized (life) {
            if (closed) {
                if (replacement != null) {
                    replacement.close();
                }
                return;
            }
            adopt(replacement);
            set = heldout;
            if (set == null) {
                return;
            }
            running = set;
            evaluatingVersion = version.version();
        }
        try {
            measure(version, set, threads);
        } finally {
            finishRun();
        }
    }

    /**
     * Queues {@code version} (just swapped in) for its evaluation on the monitor's own thread and returns at
     * once: the refresh is done without waiting for the figures, which land in the history (and act: the drop
     * flag, {@code tighten}) when measured. {@code replacement} (a refresh's re-embedded held-out queries)
     * becomes the set in use now, so mine calls are checked against it from this version on. A version still
     * waiting when a newer one is queued is superseded: it is never measured (its figures would be of a version
     * no longer served), the newer one is, with the newest set; an evaluation already running finishes first.
     */
    void submit(ServedIndex version, HeldOutSet replacement) {
        synchronized (life) {
            if (closed || !version.acquire()) {
                if (replacement != null && replacement != heldout) {
                    replacement.close();
                }
                return;
            }
            adopt(replacement);
            if (heldout == null) {
                version.release();
                return;
            }
            ServedIndex older = pending;
            pending = version;
            pendingVersion = version.version();
            if (older != null) {
                superseded.incrementAndGet();
                log.printf(Locale.ROOT, "quarry serve: version %d's held-out evaluation superseded by version %d's"
                        + " (it had not started)%n", older.version(), version.version());
                log.flush();
                older.release();
            }
            if (!draining) {
                draining = true;
                evaluator.execute(this::drain);
            }
        }
    }

    /** Measures the pending versions one at a time until none is left. */
    private void drain() {
        while (true) {
            ServedIndex version;
            HeldOutSet set;
            synchronized (life) {
                version = pending;
                pending = null;
                pendingVersion = 0;
                if (version == null || closed) {
                    draining = false;
                    if (version != null) {
                        version.release();
                    }
                    return;
                }
                set = heldout;
                running = set;
                evaluatingVersion = version.version();
            }
            try {
                java.util.concurrent.CountDownLatch gate = beforeMeasure;
                if (gate != null && !gate.await(10, java.util.concurrent.TimeUnit.MINUTES)) {
                    throw new IllegalStateException("test gate not opened");
                }
                measure(version, set, backgroundThreads);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | Error e) {
                // measure records a data failure itself; anything else must not stop later evaluations either
                error = e.toString();
                errorVersion = version.version();
            } finally {
                version.release();
                finishRun();
            }
        }
    }

    /** Makes {@code replacement} (when given) the set in use, closing the previous one unless an evaluation uses it. */
    private void adopt(HeldOutSet replacement) {
        if (replacement == null || replacement == heldout) {
            return;
        }
        HeldOutSet old = heldout;
        heldout = replacement;
        if (old != null && old != running) {
            old.close();
        }
    }

    /** After an evaluation: closes its set when it is no longer the one in use (replaced, or the server stopped). */
    private void finishRun() {
        synchronized (life) {
            HeldOutSet set = running;
            running = null;
            evaluatingVersion = 0;
            if (set != null && (closed || set != heldout)) {
                set.close();
            }
        }
    }

    /** Exact recall of {@code version} on {@code set}: recorded in the history, logged, acted on. */
    private void measure(ServedIndex version, HeldOutSet set, int searchThreads) {
        try {
            long t0 = System.nanoTime();
            gate.resetPaused();
            EvalResult r = Evaluator.evaluate("flat", new FlatIndex(version.corpus(), kernels)
                            .pausingWith(gate::giveWay), set.queries(), false, set.qrels(), set.qrelsFile(),
                    new int[] {10, 100}, SearchParams.defaults().withThreads(searchThreads));
            double seconds = (System.nanoTime() - t0) / 1e9;
            double pausedSeconds = gate.pausedNanos() / 1e9; // wall time, however many threads paused
            VersionRecall recall;
            synchronized (history) {
                double best = history.stream().mapToDouble(VersionRecall::recallAt10).max().orElse(Double.NaN);
                boolean drop = !Double.isNaN(best) && best - r.recall()[0] > allowedDrop;
                recall = new VersionRecall(version.version(), r.recall()[0], r.recall()[1], r.ndcg()[0], r.queries(),
                        set.qrelsFile().toString(), seconds, best, drop);
                history.add(recall);
            }
            error = null;
            errorVersion = 0;
            log.printf(Locale.ROOT, "quarry serve: version %d held-out recall@10 %.4f, recall@100 %.4f, nDCG@10 %.4f"
                            + " (%,d queries of %s, exact, %d threads, %.1f s%s)%s%n", recall.version(),
                    recall.recallAt10(), recall.recallAt100(), recall.ndcgAt10(), recall.queries(), set.qrelsFile(),
                    searchThreads, seconds, pausedSeconds == 0 ? "" : String.format(Locale.ROOT,
                            ", of which %.1f s paused for a refresh", pausedSeconds), recall.drop() ? String.format(Locale.ROOT,
                            "; %.4f below the best version's %.4f: %s", recall.best() - recall.recallAt10(),
                            recall.best(), ADVICE) : "");
            if (recall.drop() && onDrop == OnDrop.TIGHTEN && tightenedAt == 0) {
                servedDefaults = tightened;
                tightenedAt = recall.version();
                log.println("quarry serve: --on-recall-drop tighten: calls that leave options out are mined with "
                        + tightened.givenText() + " from now on");
            }
            log.flush();
            listener.accept(recall);
        } catch (RuntimeException e) {
            error = e.getMessage() == null ? e.toString() : e.getMessage();
            errorVersion = version.version();
            log.println("quarry serve: held-out evaluation of version " + version.version() + " failed: " + error);
            log.flush();
        }
    }

    /**
     * A refresh starts (its copy, on the request's thread): an evaluation running now pauses at its next block of
     * rows until {@link #refreshEnded}. Never waits: the refresh goes on at once.
     */
    void refreshStarted() {
        gate.refreshStarted();
    }

    /** A refresh is done (served, or failed): a paused evaluation resumes. */
    void refreshEnded() {
        gate.refreshEnded();
    }

    /** Whether the evaluation running now is paused for a refresh. */
    boolean paused() {
        return gate.paused();
    }

    /** The held-out set in use, or null. */
    HeldOutSet heldout() {
        return heldout;
    }

    /** The options a mine call's left-out settings take: the server's defaults, or them tightened after a drop. */
    MineOptions servedDefaults() {
        return servedDefaults;
    }

    /** The version whose drop tightened the served options, or 0. */
    long tightenedAt() {
        return tightenedAt;
    }

    OnDrop onDrop() {
        return onDrop;
    }

    double allowedDrop() {
        return allowedDrop;
    }

    /** Whether a version is being measured or waits to be. */
    boolean evaluating() {
        return evaluatingVersion != 0 || pendingVersion != 0;
    }

    /** The version being measured now, or 0. */
    long evaluatingVersion() {
        return evaluatingVersion;
    }

    /** The version waiting for its evaluation, or 0. */
    long pendingVersion() {
        return pendingVersion;
    }

    /** Versions whose evaluation a newer version superseded before it started. */
    long superseded() {
        return superseded.get();
    }

    /** The last evaluation's failure, or null. */
    String error() {
        return error;
    }

    /** The version whose evaluation failed ({@link #error}), or 0. */
    long errorVersion() {
        return errorVersion;
    }

    /** Every version evaluated, oldest first. */
    List<VersionRecall> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    /** The last version evaluated, or null. */
    VersionRecall latest() {
        synchronized (history) {
            return history.isEmpty() ? null : history.getLast();
        }
    }

    /**
     * Closes the held-out set, or leaves it to the evaluation running now to close when it ends; a version
     * waiting for its evaluation is let go unmeasured.
     */
    @Override
    public void close() {
        synchronized (life) {
            closed = true;
            if (pending != null) {
                pending.release();
                pending = null;
                pendingVersion = 0;
            }
            if (heldout != null && heldout != running) {
                heldout.close();
            }
        }
        gate.stop();
        evaluator.shutdown();
    }
}
