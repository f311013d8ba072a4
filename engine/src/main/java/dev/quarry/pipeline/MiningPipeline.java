package dev.quarry.pipeline;

import dev.quarry.Progress;
import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.files.AtomicOutput;
import dev.quarry.files.MappedFiles;
import dev.quarry.files.UserFiles;
import dev.quarry.io.MinedEncoder;
import dev.quarry.mining.candidate.AnchorBlock;
import dev.quarry.mining.BlockMiner;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MiningStats;
import dev.quarry.vector.QueryBlock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * Runs a {@link MiningJob}: workers claim blocks of anchors from a shared counter, mine and encode
 * them, and pass the results to the single writer (the calling thread) through a lock-free Agrona
 * queue; the writer restores block order in a bounded reorder window and appends the bytes to the
 * outputs' temp files. A worker never claims a block more than a window ahead of the writer, so memory
 * stays bounded whatever the speed difference.
 *
 * <p>Everything written depends only on the anchors and the configuration, never on which worker
 * mined what: the output is byte-identical for any thread count. Every few seconds the writer forces
 * the outputs to disk and writes a {@link Checkpoint}; a run killed at any moment (even SIGKILL) is
 * finished by the same job with {@code resume}, byte for byte as if never interrupted. Outputs are
 * renamed into place only when complete.
 */
public final class MiningPipeline {
    private final MiningJob job;
    private final BlockLayout layout;
    private final int window;
    private final ManyToOneConcurrentArrayQueue<BlockResult> queue;
    private final AtomicInteger nextClaim = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** The candidates of blocks searched many at a time, or null when each block searches its own. */
    private SuperBlocks superBlocks;
    private volatile int written;
    private volatile boolean stopping;
    private boolean checkpointed;

    private record BlockResult(int block, MinedAnchor[] anchors, byte[][] bytes) {
    }

    /** What a run did. */
    public record Result(MiningStats stats, List<Path> files, long anchorsThisRun, double seconds, int startBlock) {
        /** Anchors mined per second in this run (excluding anchors a resumed run had already written). */
        public double anchorsPerSecond() {
            return seconds > 0 ? anchorsThisRun / seconds : 0;
        }
    }

    private MiningPipeline(MiningJob job) {
        this.job = job;
        this.layout = new BlockLayout(job.anchors(), job.positives(), job.knownPositives(), job.anchorsAreCorpusRows(),
                job.blockSize());
        this.window = Math.max(2, 4 * job.threads());
        this.queue = new ManyToOneConcurrentArrayQueue<>(window + job.threads());
    }

    /** Runs the job to completion (or failure) and returns what it did. */
    public static Result run(MiningJob job) {
        return new MiningPipeline(job).execute();
    }

    private Result execute() {
        List<Path> files = job.output().files();
        Path checkpointPath = Checkpoint.pathFor(files.getFirst());
        int blocks = job.blocks();
        int start;
        MiningStats stats;
        List<AtomicOutput> outputs = new ArrayList<>();
        try {
            if (job.resume()) {
                Checkpoint cp = Checkpoint.read(checkpointPath, job.config().numNegatives());
                String difference = job.fingerprint().firstDifference(cp.fingerprint());
                if (difference != null) {
                    throw new QuarryDataException(checkpointPath, "configuration", "different",
                            "the configuration of the interrupted run to --resume it (" + difference
                                    + "); run without --resume to start over");
                }
                if (cp.lengths().length != files.size() || cp.nextBlock() > blocks) {
                    throw new QuarryDataException(checkpointPath, "outputs", files.size() + " files",
                            "the files of the interrupted run");
                }
                for (int i = 0; i < files.size(); i++) {
                    Path temp = cp.temps().get(i).isEmpty() ? null : files.get(i).resolveSibling(cp.temps().get(i));
                    outputs.add(alreadyPublished(cp, blocks, files.get(i), temp, cp.lengths()[i]) ? null
                            : AtomicOutput.resume(files.get(i), temp == null ? files.get(i) : temp, cp.lengths()[i]));
                }
                start = cp.nextBlock();
                stats = cp.stats();
            } else {
                for (Path file : files) {
                    UserFiles.requireOutput(file);
                }
                byte[][] headers = job.output().headers(job.anchors().length);
                for (int i = 0; i < files.size(); i++) {
                    AtomicOutput out = AtomicOutput.create(files.get(i));
                    outputs.add(out);
                    out.writeFully(headers[i]);
                }
                Files.deleteIfExists(checkpointPath);
                start = 0;
                stats = new MiningStats(job.config());
            }
            long started = System.nanoTime();
            long anchorsBefore = Math.min((long) start * job.blockSize(), job.anchors().length);
            Progress progress = new Progress("mine", "anchors", job.anchors().length, job.progress(),
                    2_000_000_000L, anchorsBefore);
            if (job.batch() != null && job.queries() != null) {
                superBlocks = new SuperBlocks(layout, job.batch(),
                        BlockMiner.firstSearchDepth(job.config(), job.corpus()), start, blocks);
            }
            writeAll(start, blocks, outputs, stats, progress, checkpointPath);
            // The outputs are renamed one by one; a final checkpoint first lets --resume finish the
            // renames if the run dies between two of them (npy writes three files).
            if (outputs.size() > 1) {
                checkpoint(outputs, stats, checkpointPath);
                checkpointed = true;
            }
            for (AtomicOutput out : outputs) {
                if (out != null) {
                    out.commit();
                }
            }
            Files.deleteIfExists(checkpointPath);
            progress.finish();
            double seconds = (System.nanoTime() - started) / 1e9;
            return new Result(stats, files, job.anchors().length - anchorsBefore, seconds, start);
        } catch (IOException e) {
            abandon(outputs, checkpointPath);
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            abandon(outputs, checkpointPath);
            throw e;
        }
    }

    /**
     * Whether a completed run's checkpoint finds this output already renamed into place (it died
     * between renames): no temp file, and the final file has the recorded length.
     */
    private static boolean alreadyPublished(Checkpoint cp, int blocks, Path file, Path temp, long length)
            throws IOException {
        return cp.nextBlock() == blocks && (temp == null || !Files.exists(temp)) && Files.isRegularFile(file)
                && Files.size(file) == length;
    }

    private void writeAll(int start, int blocks, List<AtomicOutput> outputs, MiningStats stats, Progress progress,
                             Path checkpointPath) {
        written = start;
        nextClaim.set(start);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < job.threads(); t++) {
            workers.add(Thread.ofPlatform().name("quarry-miner-" + t).daemon(true).start(this::work));
        }
        try {
            BlockResult[] pending = new BlockResult[window];
            IdleStrategy idle = new BackoffIdleStrategy();
            long lastCheckpoint = System.nanoTime();
            while (written < blocks) {
                int drained = queue.drain(r -> pending[r.block() % window] = r);
                BlockResult next = pending[written % window];
                if (next == null || next.block() != written) {
                    Throwable failed = failure.get();
                    if (failed != null) {
                        throw workerFailure(failed);
                    }
                    idle.idle(drained);
                    continue;
                }
                idle.reset();
                pending[written % window] = null;
                for (int i = 0; i < outputs.size(); i++) {
                    outputs.get(i).writeFully(next.bytes()[i]); // never null here: only a completed run has those
                }
                for (MinedAnchor a : next.anchors()) {
                    stats.add(a);
                    if (job.listener() != null) {
                        job.listener().accept(a);
                    }
                }
                progress.advance(next.anchors().length);
                written = written + 1;
                long now = System.nanoTime();
                if (written < blocks && now - lastCheckpoint >= job.checkpointIntervalNanos()) {
                    checkpoint(outputs, stats, checkpointPath);
                    checkpointed = true;
                    lastCheckpoint = now;
                }
                long pause = dev.quarry.TestHooks.pauseNanosPerBlock();
                if (pause > 0) {
                    LockSupport.parkNanos(pause);
                }
            }
            Throwable failed = failure.get();
            if (failed != null) {
                throw workerFailure(failed);
            }
        } finally {
            stopping = true;
            for (Thread worker : workers) {
                try {
                    worker.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * What a worker's failure means for the run: the user's data or settings (a {@link QuarryDataException} or
     * {@link QuarryUsageException}: the rows of an input differ from their checksum, say) as they are; a fault
     * in a mapped page as the input that was cut while the run read it; anything else as a failure.
     */
    private static RuntimeException workerFailure(Throwable failed) {
        if (failed instanceof QuarryDataException || failed instanceof QuarryUsageException) {
            return (RuntimeException) failed;
        }
        if (MappedFiles.isFault(failed)) {
            return MappedFiles.explain(failed);
        }
        return new IllegalStateException("a mining worker failed: " + failed, failed);
    }

    private void work() {
        try {
            BlockMiner miner = new BlockMiner(job.sources().get(), job.corpus(), job.kernels(), job.config());
            MinedEncoder encoder = job.output().newEncoder();
            QueryBlock block = job.queries() == null ? null
                    : new QueryBlock((int) Math.min(job.blockSize(), job.anchors().length), job.queries().dim());
            IdleStrategy idle = new BackoffIdleStrategy();
            int blocks = job.blocks();
            while (!stopping) {
                int b = nextClaim.get();
                if (b >= blocks) {
                    return;
                }
                if (b >= written + window) {
                    idle.idle(); // back-pressure: the writer is a window behind
                    continue;
                }
                if (!nextClaim.compareAndSet(b, b + 1)) {
                    continue;
                }
                idle.reset();
                MinedAnchor[] mined = mineBlock(miner, block, b);
                BlockResult result = new BlockResult(b, mined, encoder.encode(mined));
                while (!queue.offer(result)) {
                    if (stopping) {
                        return;
                    }
                    idle.idle();
                }
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    private MinedAnchor[] mineBlock(BlockMiner miner, QueryBlock block, int b) {
        AnchorBlock anchors = layout.block(b);
        AnchorBlock loaded = block == null ? anchors : BlockLayout.loadVectors(anchors, job.queries(), block);
        if (superBlocks == null) {
            return miner.mine(loaded);
        }
        MinedAnchor[] mined = miner.mine(loaded, superBlocks.candidates(b));
        superBlocks.mined(b);
        return mined;
    }

    private void checkpoint(List<AtomicOutput> outputs, MiningStats stats, Path checkpointPath) {
        long[] lengths = new long[outputs.size()];
        List<String> temps = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            AtomicOutput out = outputs.get(i);
            try {
                if (out == null) { // published before a resume: its length is final
                    lengths[i] = Files.size(job.output().files().get(i));
                    temps.add("");
                    continue;
                }
                out.force();
                lengths[i] = out.channel().position();
                temps.add(out.temp().getFileName().toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        new Checkpoint(job.fingerprint().lines(), written, lengths, temps, stats).write(checkpointPath);
    }

    /** On failure: keeps the temp files when a checkpoint can resume them, deletes them otherwise. */
    private void abandon(List<AtomicOutput> outputs, Path checkpointPath) {
        boolean keep = (checkpointed || job.resume()) && Files.isRegularFile(checkpointPath);
        for (AtomicOutput out : outputs) {
            if (out == null) {
                continue;
            }
            if (keep) {
                out.keepForResume();
            } else {
                out.close();
            }
        }
        if (!keep) {
            try {
                Files.deleteIfExists(checkpointPath);
            } catch (IOException ignored) {
                // The checkpoint of an abandoned run only matters to --resume, which checks it.
            }
        }
    }
}
