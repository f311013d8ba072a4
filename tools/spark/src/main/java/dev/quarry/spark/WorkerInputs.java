package dev.quarry.spark;

import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.VectorIndex;
import dev.quarry.io.MinedEncoder;
import dev.quarry.io.MinedOutput;
import dev.quarry.io.OutputOptions;
import dev.quarry.labels.IdMap;
import dev.quarry.io.StoreTexts;
import dev.quarry.mining.MiningConfig;
import dev.quarry.pipeline.MiningInputs;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run's inputs as one executor opens them, once per JVM and run, shared by the tasks that JVM runs at
 * once: the stores, ids, texts and index (read-only mappings, safe to share), and the shards this executor
 * has searched. The cache keeps the few most recent runs (a long-lived executor may serve several runs; in
 * {@code local} mode the driver's JVM is the executor) and closes the ones it drops. Thread-safe.
 */
final class WorkerInputs implements AutoCloseable {
    /** Runs whose inputs stay open in one JVM. */
    private static final int KEPT_RUNS = 2;
    private static final Map<String, WorkerInputs> OPEN = new LinkedHashMap<>();

    private final WorkerSpec spec;
    private final MiningInputs inputs;
    private final MiningConfig config;
    private final MinedOutput output;
    private final StoreTexts texts;
    private final Map<Integer, Shard> shards = new LinkedHashMap<>();
    private ShardLayout layout;

    private WorkerInputs(WorkerSpec spec) {
        this.spec = spec;
        // Before anything reaches Agrona, Chronicle Map or the Vector API: a flag missing on an executor is named.
        JvmFlags.requireOnThisJvm(ExecutorPaths.where());
        VectorKernels kernels = VectorKernelsProvider.get();
        this.inputs = MiningInputs.openForWorkers(spec.request(), kernels);
        this.config = inputs.config();
        this.texts = new StoreTexts(inputs.queryText(), inputs.queryIds().ids(), inputs.corpusText(),
                inputs.corpusIds().ids());
        this.output = spec.tableRows() ? null // a table has no files
                : new MinedOutput(inputs.request().output(), spec.outputOptions(), texts);
        if (spec.warmUp()) {
            kernels.warmUp(); // once per JVM: later calls return at once
        }
    }

    /** The inputs of {@code spec}'s run in this JVM, opened on first use. */
    static WorkerInputs of(WorkerSpec spec) {
        synchronized (OPEN) {
            WorkerInputs open = OPEN.get(spec.runId());
            if (open == null) {
                open = new WorkerInputs(spec);
                OPEN.put(spec.runId(), open);
                Iterator<WorkerInputs> eldest = OPEN.values().iterator();
                while (OPEN.size() > KEPT_RUNS) {
                    eldest.next().close();
                    eldest.remove();
                }
            }
            return open;
        }
    }

    /** Closes this JVM's inputs of run {@code runId}, if open (the driver's own JVM, in local mode). */
    static void release(String runId) {
        synchronized (OPEN) {
            WorkerInputs open = OPEN.remove(runId);
            if (open != null) {
                open.close();
            }
        }
    }

    MiningConfig config() {
        return config;
    }

    VectorKernels kernels() {
        return inputs.kernels();
    }

    /** The whole corpus (replicated placement: searched; sharded: its positives' rows are read). */
    VectorStore corpus() {
        return inputs.corpus();
    }

    /** The anchors' store. */
    VectorStore queries() {
        return inputs.queries();
    }

    /** The corpus index of a replicated run (flat or the run's IVF file). */
    VectorIndex index() {
        return inputs.index();
    }

    MiningInputs inputs() {
        return inputs;
    }

    /** How the run's outputs name anchor and corpus rows: their texts, else their ids. */
    StoreTexts texts() {
        return texts;
    }

    /** Whether the anchors' store has texts (outputs then show an anchor row's text, not the table's id). */
    boolean anchorsHaveTexts() {
        return inputs.queryText() != null;
    }

    OutputOptions outputOptions() {
        return spec.outputOptions();
    }

    /** The ids of the corpus rows (the anchors table's positives may name them). */
    IdMap corpusIds() {
        return inputs.corpusIds().ids();
    }

    /** A new encoder for this run's output (one per task: encoders are not thread-safe). */
    MinedEncoder encoder() {
        return output.newEncoder();
    }

    /**
     * Shard {@code s} of a sharded run, opened on first use. A flat shard's rows are checked against its footer
     * by the first search, which scans them whole; an IVF shard's search reads the index's copy of the rows, so
     * the shard's own rows (read for near-duplicates) are checked here, once per JVM.
     */
    Shard shard(int s) {
        synchronized (shards) {
            if (layout == null) {
                layout = ShardLayout.read(spec.shardDir());
            }
            return shards.computeIfAbsent(s, i -> {
                Shard shard = layout.open(i, inputs.kernels());
                if (!(shard.index() instanceof FlatIndex)) {
                    try {
                        shard.store().checkRows();
                    } catch (RuntimeException e) {
                        shard.close();
                        throw e;
                    }
                }
                return shard;
            });
        }
    }

    @Override
    public void close() {
        synchronized (shards) {
            shards.values().forEach(Shard::close);
            shards.clear();
        }
        inputs.close();
    }

    /** One shard as a task searches it: rows {@code [from, to)} of the corpus, in their own store and index. */
    record Shard(int number, long from, long to, VectorStore store, VectorIndex index) implements AutoCloseable {
        @Override
        public void close() {
            index.close();
            store.close();
        }
    }
}
