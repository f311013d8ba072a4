package dev.quarry.embed;

import dev.quarry.Progress;
import dev.quarry.QuarryDataException;
import dev.quarry.files.AtomicOutput;
import dev.quarry.files.ContentChecksum;
import dev.quarry.files.OutputClaim;
import dev.quarry.io.InvalidUtf8;
import dev.quarry.io.JsonlTexts;
import dev.quarry.mining.MiningStats;
import dev.quarry.pipeline.Checkpoint;
import dev.quarry.pipeline.Fingerprint;
import dev.quarry.store.QvecHeader;
import dev.quarry.store.QvecWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code quarry embed} run: the texts of a JSONL file, in line order, to a {@code .qvec} store and its
 * ids sidecar ({@code X.qvec.ids}, line i = the id of row i). Texts are read and embedded a window at a time
 * (32 batches), so memory stays flat however long the file; the outputs are append-only and a checkpoint
 * (the engine's {@link Checkpoint}: windows written, and the length of each temp file) is written every
 * {@code checkpointNanos}, so {@code --resume} continues a killed run where its last checkpoint stopped and
 * finishes with the bytes an uninterrupted run writes. Before anything is written, every line is checked:
 * ids unique and without line breaks, text fields strings, bytes UTF-8 (or replaced when asked). The
 * checkpoint names the input by its real path and the size and checksum of the bytes that check read, so the
 * same file reached through a link or from another directory resumes, and a changed one does not.
 *
 * @param input the JSONL texts
 * @param output the {@code .qvec} to write
 * @param field the JSON field holding the text, or null for {@code text} (with {@code title} before it)
 * @param prefix put before every text ("" for none), e.g. {@code query: } for E5 models
 * @param invalidUtf8 what bytes that are not UTF-8 get: refused (naming the line and byte offset) or replaced
 * @param resume continue a killed run from its checkpoint
 * @param checkpointNanos minimum time between checkpoints
 */
public record EmbedRun(Path input, Path output, String field, String prefix, InvalidUtf8 invalidUtf8, boolean resume,
                       long checkpointNanos) {

    /** Windows hold this many batches: sorting a window by length is what keeps padding low. */
    static final int BATCHES_PER_WINDOW = 32;

    /** What a run did. */
    public record Result(Path output, long rows, int dim, long embeddedNow, double seconds, long resumedAt) {
        /** Texts per second embedded by this run. */
        public double rate() {
            return seconds > 0 ? embeddedNow / seconds : 0;
        }
    }

    /** The ids sidecar of a store. */
    public static Path idsOf(Path store) {
        return store.resolveSibling(store.getFileName() + ".ids");
    }

    /** Runs it with {@code encoder}; progress lines go to {@code err} (null: silent). */
    public Result run(SentenceEncoder encoder, PrintWriter err) {
        Path ids = idsOf(output);
        Path checkpoint = Checkpoint.pathFor(output);
        try (OutputClaim claim = claim(checkpoint)) {
            return write(encoder, ids, checkpoint, err);
        }
    }

    private OutputClaim claim(Path checkpoint) {
        OutputClaim.Builder builder = OutputClaim.builder().input("texts", input).output(output)
                .output(idsOf(output)).output(checkpoint);
        if (resume && Files.isRegularFile(checkpoint)) {
            Checkpoint cp = Checkpoint.read(checkpoint, 1);
            List<Path> keep = new ArrayList<>();
            for (String temp : cp.temps()) {
                keep.add(output.resolveSibling(temp));
            }
            builder.keepTemps(keep);
        }
        return builder.claim();
    }

    private Fingerprint fingerprint(SentenceEncoder encoder, ContentChecksum content) {
        return new Fingerprint().addContent("input", input, content).add("field", field == null ? "text" : field)
                .add("prefix", "'" + prefix + "'").add("on-invalid-utf8", invalidUtf8.cliName())
                .add("model", encoder.model().identity())
                .add("max_tokens", encoder.maxTokens()).add("batch", encoder.batchSize())
                .add("window", window(encoder));
    }

    private static int window(SentenceEncoder encoder) {
        return encoder.batchSize() * BATCHES_PER_WINDOW;
    }

    private Result write(SentenceEncoder encoder, Path ids, Path checkpointPath, PrintWriter err) {
        CheckedInput checked = checkLines();
        long total = checked.rows();
        int dim = encoder.dim();
        int window = window(encoder);
        Fingerprint fingerprint = fingerprint(encoder, checked.content());
        QvecWriter vectors;
        AtomicOutput idsOut;
        long startRow;
        int startWindow;
        if (resume) {
            Checkpoint cp = Checkpoint.read(checkpointPath, 1);
            String difference = fingerprint.firstDifference(cp.fingerprint());
            if (difference != null) {
                throw new QuarryDataException(checkpointPath, "configuration", "different", "the configuration of the"
                        + " interrupted run to --resume it (" + difference + "); run without --resume to start over");
            }
            startWindow = cp.nextBlock();
            startRow = Math.min((long) startWindow * window, total);
            if (cp.temps().size() != 2 || cp.lengths()[0] != QvecHeader.SIZE + startRow * dim * Float.BYTES) {
                throw new QuarryDataException(checkpointPath, "outputs", cp.temps(), "the .qvec and .ids temp files"
                        + " of the interrupted run");
            }
            vectors = QvecWriter.resume(output, output.resolveSibling(cp.temps().get(0)), dim, startRow);
            idsOut = AtomicOutput.resume(ids, ids.resolveSibling(cp.temps().get(1)), cp.lengths()[1]);
        } else {
            vectors = QvecWriter.create(output, dim);
            idsOut = AtomicOutput.create(ids);
            startRow = 0;
            startWindow = 0;
            try {
                Files.deleteIfExists(checkpointPath);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try {
            Progress progress = new Progress("embed " + input.getFileName() + " with " + encoder.model().name(),
                    "texts", total, err, 2_000_000_000L, startRow);
            long started = System.nanoTime();
            Windows windows = new Windows(encoder, vectors, idsOut, window, startWindow, progress);
            long[] lastCheckpoint = {System.nanoTime()};
            JsonlTexts.forEachText(input, field, invalidUtf8, (row, id, text) -> {
                if (row < startRow) {
                    return;
                }
                if (windows.add(id, text)) {
                    int stopAfterWindows = dev.quarry.TestHooks.stopAfterWindows();
                    if (stopAfterWindows > 0 && windows.written == stopAfterWindows) {
                        checkpoint(vectors, idsOut, windows.written, fingerprint, checkpointPath);
                        throw new IllegalStateException("stopped after " + stopAfterWindows + " windows (test hook)");
                    }
                    if (System.nanoTime() - lastCheckpoint[0] >= checkpointNanos && windows.rowsWritten() < total) {
                        checkpoint(vectors, idsOut, windows.written, fingerprint, checkpointPath);
                        lastCheckpoint[0] = System.nanoTime();
                    }
                }
            });
            windows.flush();
            vectors.finish(encoder.model().normalize());
            idsOut.commit();
            Files.deleteIfExists(checkpointPath);
            progress.finish();
            return new Result(output, total, dim, total - startRow, (System.nanoTime() - started) / 1e9, startRow);
        } catch (IOException e) {
            abandon(vectors, idsOut, checkpointPath);
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            abandon(vectors, idsOut, checkpointPath);
            throw e;
        }
    }

    /**
     * Reads every line once before anything is written: a line {@link JsonlTexts} refuses, an id with a line
     * break (ids are written one per line) or an id two lines share (they name rows) fails the run with nothing
     * written.
     */
    private CheckedInput checkLines() {
        DuplicateIds ids = new DuplicateIds();
        long[] rows = {0};
        ContentChecksum content = JsonlTexts.forEachId(input, field, invalidUtf8, (lineNo, id) -> {
            if (id.indexOf('\n') >= 0 || id.indexOf('\r') >= 0) {
                throw new QuarryDataException(input, "line " + lineNo + " id", id, "an id without line breaks (ids"
                        + " are written one per line)");
            }
            ids.add(id);
            rows[0]++;
        });
        ids.refuseShared(input, field, invalidUtf8);
        return new CheckedInput(rows[0], content);
    }

    /** The input as {@link #checkLines} read it: its rows, and the checksum and size of its bytes. */
    private record CheckedInput(long rows, ContentChecksum content) {
    }

    private static void checkpoint(QvecWriter vectors, AtomicOutput ids, int windows, Fingerprint fingerprint,
                                   Path path) {
        vectors.sync();
        ids.force();
        long vectorBytes = QvecHeader.SIZE + vectors.count() * vectors.dim() * Float.BYTES;
        long idBytes;
        try {
            idBytes = ids.channel().position();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        new Checkpoint(fingerprint.lines(), windows, new long[] {vectorBytes, idBytes},
                List.of(vectors.temp().getFileName().toString(), ids.temp().getFileName().toString()),
                new MiningStats(1)).write(path);
    }

    /** On failure: keeps the temp files when a checkpoint can resume them, deletes them otherwise. */
    private static void abandon(QvecWriter vectors, AtomicOutput ids, Path checkpointPath) {
        boolean keep = Files.isRegularFile(checkpointPath);
        if (keep) {
            vectors.keepForResume();
            ids.keepForResume();
        } else {
            vectors.close();
            ids.close();
        }
    }

    /** Collects a window of texts, embeds it and appends its rows and ids in line order. */
    private final class Windows {
        private final SentenceEncoder encoder;
        private final QvecWriter vectors;
        private final AtomicOutput ids;
        private final String[] texts;
        private final StringBuilder idLines = new StringBuilder();
        private final float[] rows;
        private final Progress progress;
        private int size;
        private int written;

        Windows(SentenceEncoder encoder, QvecWriter vectors, AtomicOutput ids, int window, int startWindow,
                Progress progress) {
            this.encoder = encoder;
            this.vectors = vectors;
            this.ids = ids;
            this.texts = new String[window];
            this.rows = new float[window * encoder.dim()];
            this.progress = progress;
            this.written = startWindow;
        }

        /** Adds a text; true when that filled the window and it was written. */
        boolean add(String id, String text) {
            texts[size++] = prefix.isEmpty() ? text : prefix + text;
            idLines.append(id).append('\n');
            if (size == texts.length) {
                flush();
                return true;
            }
            return false;
        }

        long rowsWritten() {
            return vectors.count();
        }

        void flush() {
            if (size == 0) {
                return;
            }
            String[] batch = size == texts.length ? texts : java.util.Arrays.copyOf(texts, size);
            encoder.encode(batch, rows);
            vectors.write(rows, 0, size);
            ByteBuffer bytes = ByteBuffer.wrap(idLines.toString().getBytes(StandardCharsets.UTF_8));
            try {
                while (bytes.hasRemaining()) {
                    ids.channel().write(bytes);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + ids.temp(), e);
            }
            progress.advance(size);
            idLines.setLength(0);
            java.util.Arrays.fill(texts, null);
            size = 0;
            written++;
        }
    }
}
