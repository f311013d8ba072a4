package dev.quarry.store;

import dev.quarry.files.OutputClaim;
import dev.quarry.QuarryDataException;
import dev.quarry.files.AtomicOutput;
import dev.quarry.Progress;
import dev.quarry.files.UserFiles;
import dev.quarry.vector.VectorKernels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Converts {@code .npy} ({@code <f4} or {@code <f2}), {@code .fvecs} or {@code .qvec} into a new
 * {@code .qvec}, streaming a few MiB of rows at a time (memory stays bounded whatever the input size),
 * optionally normalizing rows, and rejecting rows that would poison mining: NaN or infinite values
 * (unless allowed) and, under normalization, zero rows. On any error the output does not appear.
 */
public final class StoreImporter {
    private static final int CHUNK_BYTES = 4 << 20;
    /** Rows whose squared norm is this close to 1 count as unit-norm already. */
    private static final float UNIT_TOLERANCE = 1e-4f;

    private final VectorKernels kernels;

    public StoreImporter(VectorKernels kernels) {
        this.kernels = kernels;
    }

    /** Converts {@code input} into {@code output}; progress lines go to {@code progressOut} (may be null). */
    public ImportReport run(Path input, Path output, ImportOptions options, PrintWriter progressOut) {
        Path idsOut = options.ids() == null ? null : output.resolveSibling(output.getFileName() + ".ids");
        try (OutputClaim claim = OutputClaim.builder().input("input", input).input("ids", options.ids())
                .output(output).output(idsOut).claim()) {
            return convert(input, output, idsOut, options, progressOut);
        }
    }

    private ImportReport convert(Path input, Path output, Path idsOut, ImportOptions options,
                                 PrintWriter progressOut) {
        MatrixLayout layout = MatrixLayout.read(input);
        if (idsOut != null) {
            checkIds(options.ids(), layout.count());
        }
        int dim = layout.dim();
        int chunkRows = (int) Math.max(1, Math.min(layout.count(), CHUNK_BYTES / (4L * dim)));
        float[] chunk = new float[Math.max(1, chunkRows) * dim];
        long nonFinite = 0;
        boolean allUnit = true;
        Progress progress = new Progress("import " + input.getFileName(), "rows", layout.count(), progressOut);
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(input, StandardOpenOption.READ);
             QvecWriter writer = QvecWriter.create(output, dim)) {
            MemorySegment in = ch.map(FileChannel.MapMode.READ_ONLY, 0, layout.fileSize(), arena);
            for (long first = 0; first < layout.count(); first += chunkRows) {
                int n = (int) Math.min(chunkRows, layout.count() - first);
                readRows(layout, in, first, n, chunk);
                for (int r = 0; r < n; r++) {
                    long row = first + r;
                    int off = r * dim;
                    float sq = kernels.squaredNorm(chunk, off, dim);
                    if (!Float.isFinite(sq) && !isFinite(chunk, off, dim)) {
                        if (!options.allowNan()) {
                            throw new QuarryDataException(input, "row[" + row + "]", firstNonFinite(chunk, off, dim),
                                    "finite values (pass --allow-nan to keep such rows)");
                        }
                        nonFinite++;
                        allUnit = false;
                        continue;
                    }
                    if (options.normalize()) {
                        normalize(input, row, chunk, off, dim, sq);
                    } else if (Math.abs(sq - 1f) > UNIT_TOLERANCE) {
                        allUnit = false;
                    }
                }
                writer.write(chunk, 0, n);
                progress.advance(n);
            }
            boolean normalized = layout.count() > 0 && (options.normalize() || allUnit) && nonFinite == 0;
            writer.finish(normalized, nonFinite > 0);
            if (idsOut != null) {
                copyIdsOrRemove(options.ids(), idsOut, output);
            }
            progress.finish();
            return new ImportReport(output, layout.count(), dim, normalized, nonFinite, idsOut);
        } catch (IOException e) {
            throw new QuarryDataException(input, "file", "unreadable (" + e.getMessage() + ")", "a readable file", e);
        }
    }

    private void normalize(Path input, long row, float[] chunk, int off, int dim, float sq) {
        if (sq == 0f) {
            throw new QuarryDataException(input, "row[" + row + "] norm", 0,
                    "a non-zero row to normalize (drop zero rows, or import without --normalize)");
        }
        if (Float.isFinite(sq) && sq >= Float.MIN_NORMAL) {
            kernels.scale(chunk, off, dim, (float) (1.0 / Math.sqrt(sq)));
            return;
        }
        // The float sum overflowed or underflowed: redo it in double, this row only.
        double sum = 0;
        for (int i = 0; i < dim; i++) {
            sum += (double) chunk[off + i] * chunk[off + i];
        }
        kernels.scale(chunk, off, dim, (float) (1.0 / Math.sqrt(sum)));
    }

    /** Copies rows {@code [first, first + n)} of any supported layout into {@code out} as float32. */
    static void readRows(MatrixLayout layout, MemorySegment in, long first, int n, float[] out) {
        int dim = layout.dim();
        for (int r = 0; r < n; r++) {
            long row = first + r;
            long offset = layout.rowOffset(row);
            if (layout.format() == StoreFormat.FVECS) {
                int rowDim = in.get(ValueLayout.JAVA_INT_UNALIGNED, offset - 4);
                if (rowDim != dim) {
                    throw new QuarryDataException(layout.path(), "row[" + row + "] dim", rowDim, dim + " as in row 0");
                }
            }
            if (layout.type() == ElementType.FLOAT32) {
                MemorySegment.copy(in, ValueLayout.JAVA_FLOAT_UNALIGNED, offset, out, r * dim, dim);
            } else {
                for (int k = 0; k < dim; k++) {
                    short half = in.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset + 2L * k);
                    out[r * dim + k] = Float.float16ToFloat(half);
                }
            }
        }
    }

    static boolean isFinite(float[] v, int off, int dim) {
        for (int i = 0; i < dim; i++) {
            if (!Float.isFinite(v[off + i])) {
                return false;
            }
        }
        return true;
    }

    private static String firstNonFinite(float[] v, int off, int dim) {
        for (int i = 0; i < dim; i++) {
            if (!Float.isFinite(v[off + i])) {
                return v[off + i] + " at column " + i;
            }
        }
        return "finite";
    }

    /** One non-empty id per row, valid UTF-8, as many lines as rows. */
    private static void checkIds(Path ids, long rows) {
        long lines = 0;
        UserFiles.requireInput(ids);
        try (BufferedReader reader = Files.newBufferedReader(ids, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines++;
                if (line.isBlank()) {
                    throw new QuarryDataException(ids, "line " + lines, "empty", "one non-empty id per line");
                }
            }
        } catch (CharacterCodingException e) {
            throw new QuarryDataException(ids, "line " + (lines + 1), "invalid UTF-8", "UTF-8 text", e);
        } catch (IOException e) {
            throw new QuarryDataException(ids, "file", "unreadable (" + e.getMessage() + ")", "a readable id file", e);
        }
        if (lines != rows) {
            throw new QuarryDataException(ids, "lines", lines, rows + " (one id per row of the input)");
        }
    }

    /** Copies the ids; if that fails, removes the just-published store too, so neither stands alone. */
    private static void copyIdsOrRemove(Path ids, Path target, Path store) {
        try {
            copyIds(ids, target);
        } catch (RuntimeException e) {
            try {
                Files.deleteIfExists(store);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static void copyIds(Path ids, Path target) {
        try (AtomicOutput out = AtomicOutput.create(target);
             BufferedReader reader = Files.newBufferedReader(ids, StandardCharsets.UTF_8)) {
            Writer writer = Channels.newWriter(out.channel(), StandardCharsets.UTF_8);
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                writer.write(line);
                writer.write('\n');
            }
            writer.flush();
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }
}
