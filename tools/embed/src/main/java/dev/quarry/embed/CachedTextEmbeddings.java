package dev.quarry.embed;

import dev.quarry.cli.TextEmbeddings;
import dev.quarry.files.ContentChecksum;
import dev.quarry.io.InvalidUtf8;
import dev.quarry.pipeline.Checkpoint;
import dev.quarry.store.VectorStore;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@link TextEmbeddings} for the command line: embeds a JSONL file with a model into
 * {@code TEXTS.MODEL-ROLE-KEY.qvec} beside it (plus {@code .ids}), where KEY is a checksum of the texts'
 * content, the model's identity and every setting that changes a vector. A later call with the same
 * texts and model finds that file and reuses it; changed texts or another model give another key, so a
 * stale cache is never read. A cache file whose run was killed is resumed from its checkpoint.
 */
public final class CachedTextEmbeddings implements TextEmbeddings {
    /** Settings of cached embeddings: the embed command's defaults. */
    private static final int MAX_TOKENS = 256;

    @Override
    public Path embed(Path jsonl, String model, Role role, PrintWriter progress) {
        ModelSource source = ModelSource.resolve(model);
        String prefix = role == Role.QUERY ? source.queryPrefix() : source.passagePrefix();
        try (SentenceEncoder encoder = SentenceEncoder.open(source, Runtime.getRuntime().availableProcessors(),
                Math.min(MAX_TOKENS, source.maxPositions()), 0)) {
            String identity = ContentChecksum.hex(ContentChecksum.ofFile(jsonl)) + "\n" + source.identity() + "\n"
                    + prefix + "\n" + encoder.maxTokens() + "\n" + encoder.batchSize();
            long key = new ContentChecksum().update(ByteBuffer.wrap(identity.getBytes(StandardCharsets.UTF_8)))
                    .value();
            Path cache = jsonl.resolveSibling(jsonl.getFileName() + "." + safeName(source.name()) + "-"
                    + role.name().toLowerCase(Locale.ROOT) + "-" + ContentChecksum.hex(key).substring(2, 14) + ".qvec");
            if (usable(cache)) {
                if (progress != null) {
                    progress.println("embeddings of " + jsonl.getFileName() + " with " + source.name() + ": reusing "
                            + cache.getFileName() + " (same texts, model and settings)");
                }
                return cache;
            }
            boolean resume = Files.isRegularFile(Checkpoint.pathFor(cache));
            new EmbedRun(jsonl, cache, null, prefix, InvalidUtf8.REFUSE, resume, 10_000_000_000L).run(encoder, progress);
            return cache;
        }
    }

    private static boolean usable(Path cache) {
        if (!Files.isRegularFile(cache) || !Files.isRegularFile(EmbedRun.idsOf(cache))) {
            return false;
        }
        try (VectorStore store = VectorStore.open(cache)) {
            return store.count() >= 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String safeName(String model) {
        String name = Path.of(model).getFileName() == null ? model : Path.of(model).getFileName().toString();
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
