package dev.quarry.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Texts to vectors, for commands given texts instead of embeddings ({@code mine --corpus-text} without
 * {@code --corpus}, {@code demo --texts}). The command line cannot depend on ONNX Runtime, so the
 * {@code tools/embed} module implements this and lists it in
 * {@code META-INF/services/dev.quarry.cli.TextEmbeddings}; the launcher puts that module on the class
 * path for those commands. Implementations are thread-safe.
 */
public interface TextEmbeddings {

    /** What the texts are to the model: some models expect a different prefix for each (E5's "query: "). */
    enum Role {
        /** Anchors (queries). */
        QUERY,
        /** Corpus documents. */
        PASSAGE
    }

    /**
     * The vectors of the texts of {@code jsonl} ({@code {"id", "text"}} lines) embedded by {@code model}: a
     * {@code .qvec} with its ids sidecar, computed, or reused when the texts' content, the model and its
     * settings are the same as when it was computed (a cache beside the texts, keyed by all three).
     *
     * @param model a model name the implementation knows ({@code minilm}, ...) or a model directory
     * @param progress where progress lines go (stderr), or null
     */
    Path embed(Path jsonl, String model, Role role, PrintWriter progress);

    /** The implementation on the class path, if the embed module is there. */
    static Optional<TextEmbeddings> find() {
        return ServiceLoader.load(TextEmbeddings.class, TextEmbeddings.class.getClassLoader()).findFirst();
    }

    /** The error for a command that needs texts embedded when no implementation is on the class path. */
    static String missingMessage(String what) {
        return what + " needs the tools/embed module (ONNX Runtime and the models), which is not on the class path:"
                + " run the command through ./quarry, which builds and adds it, or give embeddings (.qvec, .npy)";
    }
}
