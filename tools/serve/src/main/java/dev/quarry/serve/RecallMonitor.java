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
import java.util.function.Consumer;

/**
 * Held-out recall watched while a model trains: after each refresh (and at start), exact recall@10,
 * recall@100 and nDCG@10 of the held-out queries over the new version's corpus, kept per version. A
 * version whose recall@10 falls more than the allowed drop below the best version so far is flagged with
 * {@link #ADVICE}; with {@link OnDrop#TIGHTEN}, the options a mine call leaves out switch from the server's
 * defaults (the schema's, or serve's {@code --options-file}) to those defaults made safer ({@link #tightened})
 * from then on. Runs on the refresh thread, after the swap: no mine call waits for it.
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
    private final double allowedDrop;
    private final OnDrop onDrop;
    private final PrintWriter log;
    private final List<VersionRecall> history = new ArrayList<>();
    private volatile HeldOutSet heldout;
    /** The safer options a drop switches to under {@link OnDrop#TIGHTEN}: built at start, so they cannot fail later. */
    private final MineOptions tightened;
    private volatile MineOptions servedDefaults;
    private volatile long tightenedAt;
    /** Guards the held-out set's life: the server may stop while a version is measured. */
    private final Object life = new Object();
    private boolean closed;
    private volatile boolean evaluating;
    private volatile String error;
    /** For tests: told of every version evaluated. */
    volatile Consumer<VersionRecall> listener = r -> { };

    /**
     * @param defaults the options calls that leave settings out take until a drop tightens them (the schema's
     *                 defaults, or serve's {@code --options-file})
     */
    RecallMonitor(VectorKernels kernels, int threads, double allowedDrop, OnDrop onDrop, MineOptions defaults,
                  PrintWriter log) {
        this.servedDefaults = defaults;
        this.tightened = tightened(defaults);
        this.kernels = kernels;
        this.threads = threads;
        this.allowedDrop = allowedDrop;
        this.onDrop = onDrop;
        this.log = log;
    }

    /**
     * Evaluates {@code version} on the held-out set: {@code replacement} when given (a refresh's re-embedded
     * held-out queries; the previous set is closed), else the set in use. Does nothing without a set. A
     * failure is recorded ({@link #error}) and logged; the version stays served.
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
            if (replacement != null) {
                HeldOutSet old = heldout;
                heldout = replacement;
                if (old != null) {
                    old.close();
                }
            }
            set = heldout;
            if (set == null) {
                return;
            }
            evaluating = true;
        }
        try {
            long t0 = System.nanoTime();
            EvalResult r = Evaluator.evaluate("flat", new FlatIndex(version.corpus(), kernels), set.queries(), false,
                    set.qrels(), set.qrelsFile(), new int[] {10, 100}, SearchParams.defaults().withThreads(threads));
            double seconds = (System.nanoTime() - t0) / 1e9;
            VersionRecall recall;
            synchronized (history) {
                double best = history.stream().mapToDouble(VersionRecall::recallAt10).max().orElse(Double.NaN);
                boolean drop = !Double.isNaN(best) && best - r.recall()[0] > allowedDrop;
                recall = new VersionRecall(version.version(), r.recall()[0], r.recall()[1], r.ndcg()[0], r.queries(),
                        set.qrelsFile().toString(), seconds, best, drop);
                history.add(recall);
            }
            error = null;
            log.printf(Locale.ROOT, "quarry serve: version %d held-out recall@10 %.4f, recall@100 %.4f, nDCG@10 %.4f"
                            + " (%,d queries of %s, exact, %.1f s)%s%n", recall.version(), recall.recallAt10(),
                    recall.recallAt100(), recall.ndcgAt10(), recall.queries(), set.qrelsFile(), seconds,
                    recall.drop() ? String.format(Locale.ROOT, "; %.4f below the best version's %.4f: %s",
                            recall.best() - recall.recallAt10(), recall.best(), ADVICE) : "");
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
            log.println("quarry serve: held-out evaluation of version " + version.version() + " failed: " + error);
            log.flush();
        } finally {
            synchronized (life) {
                evaluating = false;
                if (closed) {
                    set.close(); // the server stopped meanwhile and left the set to this evaluation
                }
            }
        }
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

    boolean evaluating() {
        return evaluating;
    }

    /** The last evaluation's failure, or null. */
    String error() {
        return error;
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

    /** Closes the held-out set, or leaves it to the evaluation running now to close when it ends. */
    @Override
    public void close() {
        synchronized (life) {
            closed = true;
            if (!evaluating && heldout != null) {
                heldout.close();
            }
        }
    }
}
