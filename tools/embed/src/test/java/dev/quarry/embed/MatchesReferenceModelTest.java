package dev.quarry.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2q.E5SmallV2QuantizedEmbeddingModel;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Quarry's inference loop gives the vectors of the reference implementation the model jars were made
 * for (langchain4j's one-text-at-a-time embedding model), on real texts of every length. The reference
 * truncates as its tokenizer.json says (128 tokens for MiniLM, 512 for the others), so the encoder is
 * opened with the same limit here. MiniLM runs in padded batches of 64; the int8 models one text per
 * call, as the encoder chooses for dynamically quantized graphs (batched, they reach only about 0.994).
 */
class MatchesReferenceModelTest {

    @Test
    void miniLmMatchesTheReferenceOnRealTexts() {
        check("minilm", new AllMiniLmL6V2EmbeddingModel(), 128, RealTexts.sample(150));
    }

    @Test
    void bgeSmallMatchesTheReferenceWithClsPooling() {
        check("bge-small", new BgeSmallEnV15QuantizedEmbeddingModel(), 512, RealTexts.sample(30));
    }

    @Test
    void e5SmallMatchesTheReferenceWithAPrefix() {
        List<String> texts = RealTexts.sample(30).stream().map(t -> "query: " + t).toList();
        check("e5-small", new E5SmallV2QuantizedEmbeddingModel(), 512, texts);
    }

    /** Asserts the lowest cosine over {@code texts} is at least 0.9999 and returns it. */
    static double check(String model, EmbeddingModel reference, int maxTokens, List<String> texts) {
        String[] array = texts.toArray(String[]::new);
        try (SentenceEncoder encoder = SentenceEncoder.open(ModelSource.resolve(model), 2, maxTokens, 0)) {
            // The default batch: 64 for MiniLM's float graph, one text per call for the int8 graphs.
            assertEquals(model.equals("minilm") ? SentenceEncoder.DEFAULT_BATCH : 1, encoder.batchSize());
            float[] ours = new float[array.length * encoder.dim()];
            encoder.encode(array, ours);
            double worst = 1;
            int worstAt = -1;
            for (int i = 0; i < array.length; i++) {
                float[] theirs = reference.embed(array[i]).content().vector();
                assertEquals(encoder.dim(), theirs.length);
                double cos = cosine(ours, i * encoder.dim(), theirs);
                if (cos < worst) {
                    worst = cos;
                    worstAt = i;
                }
            }
            assertTrue(worst >= 0.9999, String.format(Locale.ROOT, "%s: lowest cosine %.6f on text %d: %s", model,
                    worst, worstAt, worstAt < 0 ? "" : array[worstAt]));
            int longest = java.util.Arrays.stream(encoder.tokenCounts(array)).max().orElse(0);
            assertTrue(longest >= Math.min(maxTokens, 100), "the sample holds long texts too: " + longest);
            return worst;
        }
    }

    /**
     * The same check on more texts than CI runs: {@code java -cp TEST_CLASSPATH
     * dev.quarry.embed.MatchesReferenceModelTest 1000} prints each model's lowest cosine over 1,000 texts.
     */
    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        int n = Integer.parseInt(args[0]);
        List<String> texts = RealTexts.sample(n);
        System.out.printf(Locale.ROOT, "minilm: lowest cosine %.6f over %d texts%n",
                check("minilm", new AllMiniLmL6V2EmbeddingModel(), 128, texts), texts.size());
        System.out.printf(Locale.ROOT, "bge-small: lowest cosine %.6f over %d texts%n",
                check("bge-small", new BgeSmallEnV15QuantizedEmbeddingModel(), 512, texts), texts.size());
        List<String> queries = texts.stream().map(t -> "query: " + t).toList();
        System.out.printf(Locale.ROOT, "e5-small: lowest cosine %.6f over %d texts%n",
                check("e5-small", new E5SmallV2QuantizedEmbeddingModel(), 512, queries), queries.size());
        System.exit(0);
    }

    private static double cosine(float[] a, int at, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int j = 0; j < b.length; j++) {
            dot += a[at + j] * (double) b[j];
            na += a[at + j] * (double) a[at + j];
            nb += b[j] * (double) b[j];
        }
        return dot / Math.sqrt(na * nb);
    }
}
