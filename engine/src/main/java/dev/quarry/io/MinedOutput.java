package dev.quarry.io;

import dev.quarry.store.NpyHeader;
import java.nio.file.Path;
import java.util.List;

/**
 * The files a mining run writes for an output path and format, the bytes each starts with, and the
 * encoder that produces their content. JSONL formats write one file; npy writes
 * {@code NAME.ids.npy}, {@code NAME.scores.npy} and {@code NAME.anchors.npy} (NAME is the output path
 * without a trailing {@code .npy}).
 */
public final class MinedOutput {
    private final OutputOptions options;
    private final List<Path> files;
    private final TextLookup texts;

    public MinedOutput(Path output, OutputOptions options, TextLookup texts) {
        this.options = options;
        this.texts = texts;
        this.files = filesFor(output, options.format());
    }

    /** The files a run writes for {@code output} in {@code format}. */
    public static List<Path> filesFor(Path output, OutputFormat format) {
        if (format != OutputFormat.NPY) {
            return List.of(output);
        }
        String name = output.getFileName().toString();
        String base = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
        return List.of(output.resolveSibling(base + ".ids.npy"), output.resolveSibling(base + ".scores.npy"),
                output.resolveSibling(base + ".anchors.npy"));
    }

    /** The files written, in the order encoders produce their bytes. */
    public List<Path> files() {
        return files;
    }

    public OutputOptions options() {
        return options;
    }

    /** The bytes each file starts with, for a run over {@code anchors} anchors. */
    public byte[][] headers(long anchors) {
        if (options.format() != OutputFormat.NPY) {
            return new byte[][] {new byte[0]};
        }
        int n = options.numNegatives();
        return new byte[][] {NpyHeader.encode("<i4", anchors, n), NpyHeader.encode("<f4", anchors, n),
                NpyHeader.encode("<i4", anchors)};
    }

    /** A new encoder (one per worker thread). */
    public MinedEncoder newEncoder() {
        return options.format() == OutputFormat.NPY ? new NpyMinedEncoder(options.numNegatives())
                : new JsonlMinedEncoder(options, texts);
    }
}
