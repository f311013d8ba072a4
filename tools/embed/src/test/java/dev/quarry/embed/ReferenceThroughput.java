package dev.quarry.embed;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.quarry.io.InvalidUtf8;
import dev.quarry.io.JsonlTexts;
import dev.quarry.store.VectorStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The peer of {@code bench/embed.sh}: langchain4j's MiniLM embedding model (the reference in the model's
 * jar) with its default settings, embedding every text of a JSONL file through {@code embedAll} (its
 * default executor: one task per text on a pool of one thread per core, each call with ONNX Runtime's
 * default threads). Prints texts/s after the model is loaded, as {@code quarry embed} reports it; given
 * the {@code .qvec} that {@code quarry embed} wrote for the same file, also the lowest and the mean
 * cosine between its vectors and the reference's, row by row.
 *
 * <p>Run: {@code java -cp TEST_CLASSPATH dev.quarry.embed.ReferenceThroughput texts.jsonl [quarry.qvec]}
 */
public final class ReferenceThroughput {
    private ReferenceThroughput() {
    }

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        List<TextSegment> texts = new ArrayList<>();
        JsonlTexts.forEachText(Path.of(args[0]), null, InvalidUtf8.REPLACE, (row, id, text) -> texts.add(TextSegment.from(text)));
        AllMiniLmL6V2EmbeddingModel model = new AllMiniLmL6V2EmbeddingModel();
        model.embed("warm up"); // loads the model, as quarry embed does before it starts counting
        long t0 = System.nanoTime();
        List<Embedding> vectors = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += 1000) {
            vectors.addAll(model.embedAll(texts.subList(from, Math.min(texts.size(), from + 1000))).content());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "reference %d texts in %.1f s: %.1f texts/s%n", vectors.size(), seconds,
                vectors.size() / seconds);
        if (args.length > 1) {
            try (VectorStore ours = VectorStore.open(Path.of(args[1]))) {
                if (ours.count() != vectors.size()) {
                    throw new IllegalStateException(args[1] + " holds " + ours.count() + " rows, expected "
                            + vectors.size());
                }
                float[] row = new float[ours.dim()];
                double worst = 1;
                double sum = 0;
                for (int i = 0; i < vectors.size(); i++) {
                    ours.copyRow(i, row);
                    double cos = cosine(row, vectors.get(i).vector());
                    worst = Math.min(worst, cos);
                    sum += cos;
                }
                System.out.printf(Locale.ROOT, "cosine to quarry embed over %d texts: lowest %.6f, mean %.6f%n",
                        vectors.size(), worst, sum / vectors.size());
            }
        }
        System.exit(0); // its executor's threads linger for a second
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int j = 0; j < a.length; j++) {
            dot += a[j] * (double) b[j];
            na += a[j] * (double) a[j];
            nb += b[j] * (double) b[j];
        }
        return dot / Math.sqrt(na * nb);
    }
}
