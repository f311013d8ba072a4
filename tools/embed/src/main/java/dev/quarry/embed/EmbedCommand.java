package dev.quarry.embed;

import dev.quarry.Progress;
import dev.quarry.io.InvalidUtf8;
import dev.quarry.options.CommandFlags;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry embed}: texts to a {@code .qvec} store with a sentence-embedding model, on CPU, offline. */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Embed the texts of a JSONL file ({\"id\", \"text\"} per line) with a sentence-embedding model"
                + " over ONNX Runtime, on CPU and offline, into a .qvec store and its ids (X.qvec.ids).",
        footer = {"", "Models: minilm (all-MiniLM-L6-v2, 384-d), bge-small (bge-small-en-v1.5, int8, 384-d),"
                + " e5-small (e5-small-v2, int8, 384-d; give --prefix \"query: \" or \"passage: \"), or a directory"
                + " holding a sentence-transformers ONNX export (model.onnx, tokenizer.json, 1_Pooling/config.json).",
                "", "Example:",
                "  quarry embed --input corpus.jsonl --output corpus.qvec --model minilm",
                "", "A killed run continues where it stopped with the same command plus --resume."})
public final class EmbedCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", required = true, description = "JSONL texts: {\"id\": ..., \"text\": ...} per line"
            + " (BEIR's _id and title + text accepted).")
    Path input;

    @Option(names = "--output", required = true, description = "The .qvec to write (ids go to OUTPUT.ids).")
    Path output;

    @Option(names = CommandFlags.MODEL, defaultValue = "minilm", description = "minilm, bge-small, e5-small, or a model"
            + " directory (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--field", description = "The JSON field holding the text (default: text, with title before it"
            + " when present).")
    String field;

    @Option(names = "--prefix", defaultValue = "", description = "Put before every text, e.g. \"query: \" (default:"
            + " none).")
    String prefix;

    @Option(names = "--on-invalid-utf8", defaultValue = "refuse", description = "Bytes of the input that are not"
            + " UTF-8: refuse (the run stops before writing anything, naming the line and byte offset) or replace"
            + " (each is read as U+FFFD, the replacement character) (default: ${DEFAULT-VALUE}).")
    String onInvalidUtf8;

    @Option(names = "--batch", description = "Texts per inference call (default: 64; 1 for a dynamically quantized"
            + " model such as bge-small and e5-small, whose vectors would otherwise depend on the texts batched"
            + " together).")
    Integer batch;

    @Option(names = CommandFlags.THREADS, description = "Worker threads, each running whole batches (default: all cores).")
    Integer threads;

    @Option(names = CommandFlags.MAX_TOKENS, defaultValue = "256", description = "Longer texts are truncated to this many"
            + " tokens (default: ${DEFAULT-VALUE}, sentence-transformers' limit for MiniLM).")
    int maxTokens;

    @Option(names = CommandFlags.RESUME, description = "Continue a killed run from its checkpoint (same options required).")
    boolean resume;

    @Option(names = "--checkpoint-seconds", defaultValue = "10", description = "Seconds between checkpoints"
            + " (default: ${DEFAULT-VALUE}).")
    double checkpointSeconds;

    @Override
    public Integer call() {
        if (!(checkpointSeconds >= 0) || Double.isInfinite(checkpointSeconds)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--checkpoint-seconds=" + checkpointSeconds
                    + ", expected a number of seconds >= 0");
        }
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads != null && (threads < 1 || threads > 4 * cores)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads=" + threads + ", expected 1 <="
                    + " threads <= " + 4 * cores + " (four per core)");
        }
        InvalidUtf8 invalidUtf8 = InvalidUtf8.parse(onInvalidUtf8);
        if (invalidUtf8 == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--on-invalid-utf8=" + onInvalidUtf8
                    + ", expected refuse or replace");
        }
        ModelSource source = ModelSource.resolve(model);
        EmbedRun run = new EmbedRun(input, output, field, prefix, invalidUtf8, resume,
                (long) (checkpointSeconds * 1e9));
        if (batch != null && batch < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch=" + batch + ", expected >= 1");
        }
        try (SentenceEncoder encoder = SentenceEncoder.open(source, threads == null ? cores : threads, maxTokens,
                batch == null ? 0 : batch)) {
            if (encoder.dynamicQuantization() && encoder.batchSize() > 1) {
                spec.commandLine().getErr().println("quarry embed: " + source.name() + " quantizes its activations"
                        + " per batch: with --batch " + encoder.batchSize() + " a text's vector depends slightly on the"
                        + " texts batched with it (--batch 1 makes each vector the text's own)");
            }
            EmbedRun.Result r = run.run(encoder, spec.commandLine().getErr());
            spec.commandLine().getOut().println(String.format(Locale.ROOT, "embedded %,d texts (%s, d=%d, %s pooling%s,"
                            + " max %d tokens) into %s and %s in %s: %s texts/s, %d threads%s", r.rows(), source.name(),
                    r.dim(), source.pooling().word(), source.normalize() ? ", normalized" : "", maxTokens, output,
                    EmbedRun.idsOf(output), Progress.duration(r.seconds()), Progress.human(r.rate()),
                    encoder.threads(), r.resumedAt() > 0 ? String.format(Locale.ROOT, " (resumed at row %,d)",
                            r.resumedAt()) : ""));
        }
        return 0;
    }
}
