package dev.quarry.embed;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Texts to sentence vectors with one model, on CPU: Quarry's own inference loop over ONNX Runtime. A call
 * tokenizes its texts (truncated to {@code maxTokens}), sorts them by token count so each batch pads
 * little, runs each batch as one {@code [batch, longest]} call, pools the token vectors as the model says
 * (masked mean, or the first token), normalizes when the model does, and puts each vector back at its
 * text's place.
 *
 * <p>Threads: {@code threads} workers each run whole batches on one shared session whose calls use one
 * thread each (intra-op 1, no spinning). Splitting one call's matrices between cores (ONNX Runtime's
 * intra-op threads) was slower here: measured on 600 docstrings on 2 cores, 1 intra-op thread embedded 55
 * texts/s and 2 only 29, with more CPU time, the threads spinning while waiting for each other.
 *
 * <p>One caller at a time: not thread-safe (the workers are the encoder's own).
 */
public final class SentenceEncoder implements AutoCloseable {
    private final ModelSource model;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final String output;
    private final boolean typeIds;
    private final int dim;
    private final int maxTokens;
    private final int batchSize;
    private final int threads;
    private final boolean dynamicQuantization;
    private final ExecutorService workers;
    /** Calls inside ONNX Runtime now; the shutdown hook waits for them (see {@link #awaitCallsAtExit}). */
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean exiting;
    private final Thread exitHook = new Thread(this::awaitCallsAtExit, "quarry-embed-exit");

    /** Texts per inference call when none is asked for, for graphs without dynamic quantization. */
    public static final int DEFAULT_BATCH = 64;

    private SentenceEncoder(ModelSource model, OrtEnvironment env, OrtSession session, HuggingFaceTokenizer tokenizer,
                            String output, boolean typeIds, int dim, int maxTokens, int batchSize, int threads,
                            boolean dynamicQuantization) {
        this.model = model;
        this.env = env;
        this.session = session;
        this.tokenizer = tokenizer;
        this.output = output;
        this.typeIds = typeIds;
        this.dim = dim;
        this.maxTokens = maxTokens;
        this.batchSize = batchSize;
        this.threads = threads;
        this.dynamicQuantization = dynamicQuantization;
        this.workers = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "quarry-embed-worker");
            t.setDaemon(true);
            return t;
        });
        Runtime.getRuntime().addShutdownHook(exitHook);
    }

    /**
     * Loads {@code model} and checks that its inputs, output dimension and tokenizer can be read.
     *
     * @param threads workers running batches at once (each call to ONNX Runtime runs on its worker alone)
     * @param maxTokens longest input in tokens, special tokens included (longer texts are truncated)
     * @param batchSize texts per inference call; 0 chooses: {@value #DEFAULT_BATCH}, or 1 for a graph with
     *     dynamic quantization, whose activations are quantized with one scale for the whole batch, so a text's
     *     vector would depend on the texts batched with it (cosine about 0.994 to its vector alone)
     */
    public static SentenceEncoder open(ModelSource model, int threads, int maxTokens, int batchSize) {
        if (threads < 1) {
            throw new CommandSettingError(CommandSetting.THREADS, threads, ">= 1");
        }
        if (batchSize < 0 || batchSize > 4096) {
            throw new QuarryUsageException("batch", batchSize, "1 <= batch <= 4096");
        }
        if (maxTokens < 2 || maxTokens > model.maxPositions()) {
            throw new CommandSettingError(CommandSetting.MAX_TOKENS,
                    maxTokens, "2 <= max-tokens <= " + model.maxPositions()
                    + " (the longest input " + model.name() + " takes)");
        }
        DjlOffline.ensure();
        HuggingFaceTokenizer tokenizer = tokenizer(model, maxTokens);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session = null;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            byte[] graph = ModelSource.readAll(model.onnx());
            boolean quantized = contains(graph, "DynamicQuantizeLinear".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            int batch = batchSize > 0 ? batchSize : quantized ? 1 : DEFAULT_BATCH;
            session = env.createSession(graph, options);
            graph = null; // the session holds its own copy
            Set<String> inputs = session.getInputNames();
            Set<String> known = Set.of("input_ids", "attention_mask", "token_type_ids");
            if (!inputs.contains("input_ids") || !inputs.contains("attention_mask") || !known.containsAll(inputs)) {
                throw new QuarryDataException(model.onnx().describe(), "inputs", inputs, "input_ids and"
                        + " attention_mask, and optionally token_type_ids (a BERT-style encoder)", null);
            }
            Map<String, NodeInfo> outputs = session.getOutputInfo();
            String name = outputs.containsKey("last_hidden_state") ? "last_hidden_state"
                    : outputs.containsKey("token_embeddings") ? "token_embeddings" : outputs.keySet().iterator().next();
            int d = -1;
            if (outputs.get(name).getInfo() instanceof TensorInfo info && info.type == OnnxJavaType.FLOAT
                    && info.getShape().length == 3) {
                d = (int) info.getShape()[2];
            }
            if (d < 1) {
                throw new QuarryDataException(model.onnx().describe(), "output " + name,
                        outputs.get(name).getInfo(), "float token vectors [batch, tokens, dim] with a fixed dim", null);
            }
            SentenceEncoder encoder = new SentenceEncoder(model, env, session, tokenizer, name,
                    inputs.contains("token_type_ids"), d, maxTokens, batch, threads, quantized);
            session = null;
            return encoder;
        } catch (OrtException e) {
            tokenizer.close();
            throw new QuarryDataException(model.onnx().describe(), "ONNX graph", "unreadable (" + e.getMessage() + ")",
                    "an ONNX model ONNX Runtime can load", e);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        } finally {
            if (session != null) {
                try {
                    session.close();
                } catch (OrtException ignored) {
                    // already failing
                }
            }
        }
    }

    private static HuggingFaceTokenizer tokenizer(ModelSource model, int maxTokens) {
        Map<String, String> options = new HashMap<>();
        options.put("padding", "false"); // batches are padded here, after sorting by length
        options.put("truncation", "true");
        options.put("maxLength", Integer.toString(maxTokens));
        options.put("modelMaxLength", Integer.toString(model.maxPositions()));
        try (InputStream in = model.tokenizer().open()) {
            return HuggingFaceTokenizer.newInstance(in, options);
        } catch (IOException | RuntimeException e) {
            throw new QuarryDataException(model.tokenizer().describe(), "tokenizer", "unreadable ("
                    + e.getMessage() + ")", "a Hugging Face tokenizer.json", e);
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Whether the graph quantizes activations dynamically (then batched texts affect each other's vectors). */
    public boolean dynamicQuantization() {
        return dynamicQuantization;
    }

    /** Floats per vector. */
    public int dim() {
        return dim;
    }

    /** The model. */
    public ModelSource model() {
        return model;
    }

    /** Worker threads, each running whole batches. */
    public int threads() {
        return threads;
    }

    /** Longest input in tokens. */
    public int maxTokens() {
        return maxTokens;
    }

    /** Texts per inference call. */
    public int batchSize() {
        return batchSize;
    }

    /** Token counts of texts as this encoder truncates them (special tokens included). */
    public int[] tokenCounts(String[] texts) {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        int[] counts = new int[texts.length];
        for (int i = 0; i < texts.length; i++) {
            counts[i] = encodings[i].getIds().length;
        }
        return counts;
    }

    /** Embeds {@code texts}: vector i goes to {@code out[i * dim, (i + 1) * dim)}. */
    public void encode(String[] texts, float[] out) {
        if (out.length < (long) texts.length * dim) {
            throw new IllegalArgumentException("out holds " + out.length + " floats, expected " + texts.length * dim);
        }
        if (texts.length == 0) {
            return;
        }
        Encoding[] encodings = tokenizer.batchEncode(texts);
        Integer[] order = new Integer[texts.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        // Longest first: the first batch needs the most memory, so a batch too large fails at once.
        Arrays.sort(order, (a, b) -> Integer.compare(encodings[b].getIds().length, encodings[a].getIds().length));
        int batches = (order.length + batchSize - 1) / batchSize;
        if (workers == null || batches == 1) {
            for (int b = 0; b < batches; b++) {
                runBatch(encodings, order, b * batchSize, Math.min(batchSize, order.length - b * batchSize), out);
            }
            return;
        }
        // Workers take the next batch (longest first) until none is left: uneven batches balance themselves.
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < Math.min(threads, batches); w++) {
            running.add(workers.submit(() -> {
                for (int b = next.getAndIncrement(); b < batches; b = next.getAndIncrement()) {
                    runBatch(encodings, order, b * batchSize, Math.min(batchSize, order.length - b * batchSize), out);
                }
            }));
        }
        try {
            for (Future<?> f : running) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.forEach(f -> f.cancel(true));
            throw new IllegalStateException("interrupted while embedding", e);
        } catch (ExecutionException e) {
            next.set(batches);
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (Exception ignored) {
                    // the first failure is the one reported
                }
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private void runBatch(Encoding[] encodings, Integer[] order, int from, int n, float[] out) {
        int length = encodings[order[from]].getIds().length;
        long[] ids = new long[n * length];
        long[] mask = new long[n * length];
        long[] types = new long[n * length];
        for (int r = 0; r < n; r++) {
            Encoding e = encodings[order[from + r]];
            long[] eIds = e.getIds();
            System.arraycopy(eIds, 0, ids, r * length, eIds.length);
            System.arraycopy(e.getAttentionMask(), 0, mask, r * length, eIds.length);
            System.arraycopy(e.getTypeIds(), 0, types, r * length, eIds.length);
        }
        long[] shape = {n, length};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        // Counted before the exit flag is read, while the hook sets the flag before it reads the count: a
        // call either sees the flag and does not start, or is waited for.
        inFlight.incrementAndGet();
        try {
            if (exiting) {
                throw new IllegalStateException("the JVM is exiting");
            }
            inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            if (typeIds) {
                inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
            }
            try (OrtSession.Result result = session.run(inputs, Set.of(output))) {
                FloatBuffer hidden = ((OnnxTensor) result.get(output).orElseThrow()).getFloatBuffer();
                for (int r = 0; r < n; r++) {
                    pool(hidden, r * length, mask, r * length, length, out, order[from + r] * dim);
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a batch of " + n + " texts of up to " + length
                    + " tokens with " + model.name() + ": " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
            inFlight.decrementAndGet();
        }
    }

    /** Pools one text's token vectors (rows {@code token0..token0+length} of {@code hidden}) into out. */
    private void pool(FloatBuffer hidden, int token0, long[] mask, int mask0, int length, float[] out, int at) {
        Arrays.fill(out, at, at + dim, 0f);
        if (model.pooling() == Pooling.CLS) {
            hidden.get(token0 * dim, out, at, dim);
        } else {
            int kept = 0;
            for (int t = 0; t < length; t++) {
                if (mask[mask0 + t] == 0) {
                    continue;
                }
                kept++;
                int base = (token0 + t) * dim;
                for (int j = 0; j < dim; j++) {
                    out[at + j] += hidden.get(base + j);
                }
            }
            float inv = 1f / Math.max(kept, 1);
            for (int j = 0; j < dim; j++) {
                out[at + j] *= inv;
            }
        }
        if (model.normalize()) {
            double sum = 0;
            for (int j = 0; j < dim; j++) {
                sum += (double) out[at + j] * out[at + j];
            }
            float inv = sum > 0 ? (float) (1 / Math.sqrt(sum)) : 0f;
            for (int j = 0; j < dim; j++) {
                out[at + j] *= inv;
            }
        }
    }

    /**
     * At exit (Ctrl-C, SIGTERM) the JVM runs its hooks and then the native library's own exit code, which
     * tears down ONNX Runtime's state; a worker still inside a call then crashes the process (SIGSEGV and
     * an hs_err file in the user's directory). So no new call starts once exiting, and the calls running
     * are waited for (a batch takes well under a second; 10 s at most).
     */
    private void awaitCallsAtExit() {
        exiting = true;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException exiting) {
            // closed by an exit in progress: the hook is running or has run
        }
        if (workers != null) {
            workers.shutdownNow();
        }
        tokenizer.close();
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
