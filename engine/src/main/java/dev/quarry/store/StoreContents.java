package dev.quarry.store;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.quarry.Progress;
import dev.quarry.QuarryDataException;
import dev.quarry.files.AtomicOutput;
import dev.quarry.files.ContentChecksum;
import dev.quarry.files.FileFormat;
import dev.quarry.files.FileStamp;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds a store's {@link StoreContent}. A version 2 {@code .qvec} records its rows' checksum in its
 * footer, and {@code quarry import} refused non-finite rows unless told to keep them (then a header
 * flag says so and the rows are scanned). Any other file ({@code .npy}, {@code .fvecs}, a version 1
 * {@code .qvec}) is scanned once: the rows' checksum, non-finite rows, and every {@code .fvecs} row
 * prefix; the result is cached beside the file as {@code FILE.qsum} with the file's {@link FileStamp}
 * (inode, size, mtime and ctime), and reused while the stamp is unchanged. The ctime moves on every
 * write, so a file rewritten with the same size and mtime is scanned again. Where the directory is
 * read-only nothing is cached and every run scans.
 */
public final class StoreContents {
    private static final JsonFactory JSON = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();
    private static final int CACHE_VERSION = 1;

    private StoreContents() {
    }

    /** The cache file of {@code store}. */
    public static Path cacheOf(Path store) {
        return store.resolveSibling(store.getFileName() + ".qsum");
    }

    /** The content of {@code store}; a scan reports progress to {@code progress} (may be null). */
    static StoreContent of(VectorStore store, PrintWriter progress) {
        MatrixLayout layout = store.layout();
        if (layout.recordedChecksum().isPresent() && !layout.mayHoldNonFinite()) {
            return new StoreContent(layout.recordedChecksum().getAsLong(), 0, -1, "footer");
        }
        if (!store.isFile()) {
            return scan(store, progress);
        }
        Path cache = cacheOf(store.path());
        FileStamp stamp;
        try {
            stamp = FileStamp.of(store.path());
        } catch (IOException e) {
            throw new QuarryDataException(store.path(), "file", "unreadable (" + e.getMessage() + ")", "a readable file", e);
        }
        StoreContent cached = readCache(cache, stamp);
        if (cached != null) {
            return cached;
        }
        StoreContent scanned = scan(store, progress);
        writeCache(cache, stamp, scanned);
        return scanned;
    }

    /**
     * Recomputes the checksum of a store's rows and compares it with the one the file records (a
     * version 2 {@code .qvec} footer), failing with both when they differ; returns the scan, or the
     * recomputed content of a file that records none.
     */
    public static StoreContent verify(VectorStore store, PrintWriter progress) {
        StoreContent scanned = scan(store, progress);
        MatrixLayout layout = store.layout();
        if (layout.recordedChecksum().isPresent()) {
            FileFormat.checkBody(store.path(), layout.recordedChecksum().getAsLong(), scanned.checksum(), "the rows",
                    "re-import the source");
        }
        return scanned;
    }

    /** Scans every row: checksum, non-finite values, and each {@code .fvecs} row's dimension prefix. */
    static StoreContent scan(VectorStore store, PrintWriter progressOut) {
        MatrixLayout layout = store.layout();
        MemorySegment seg = store.segment();
        int dim = store.dim();
        long count = store.count();
        boolean fvecs = layout.format() == StoreFormat.FVECS;
        ContentChecksum sum = new ContentChecksum();
        long nonFinite = 0;
        long first = -1;
        Progress progress = new Progress("check " + store.path().getFileName(), "rows", count,
                count * dim >= 50_000_000L ? progressOut : null);
        long rowsPerStep = Math.max(1, (1 << 22) / (4L * dim));
        for (long row = 0; row < count; row++) {
            long offset = store.rowOffset(row);
            if (fvecs) {
                int rowDim = seg.get(ValueLayout.JAVA_INT_UNALIGNED, offset - 4);
                if (rowDim != dim) {
                    throw new QuarryDataException(store.path(), "row[" + row + "] dim", rowDim, dim + " as in row 0"
                            + " (every .fvecs row starts with the same dimension)");
                }
            }
            if (!fvecs && row % rowsPerStep == 0) {
                long rows = Math.min(rowsPerStep, count - row);
                sum.update(seg, offset, rows * 4L * dim); // contiguous rows: one update per step
            } else if (fvecs) {
                sum.update(seg, offset, 4L * dim);
            }
            if (!finite(seg, offset, dim)) {
                nonFinite++;
                if (first < 0) {
                    first = row;
                }
            }
            if (row % rowsPerStep == rowsPerStep - 1) {
                progress.advance(rowsPerStep);
            }
        }
        progress.finish();
        return new StoreContent(sum.value(), nonFinite, first, "scan");
    }

    private static boolean finite(MemorySegment seg, long offset, int dim) {
        int orAll = 0;
        for (int k = 0; k < dim; k++) {
            int bits = seg.get(ValueLayout.JAVA_INT_UNALIGNED, offset + 4L * k);
            // Exponent all ones: infinity or NaN. Accumulate without a branch per element.
            orAll |= ((bits & 0x7f800000) == 0x7f800000) ? 1 : 0;
        }
        return orAll == 0;
    }

    private static StoreContent readCache(Path cache, FileStamp stamp) {
        if (!Files.isRegularFile(cache)) {
            return null;
        }
        try (JsonParser p = JSON.createParser(cache.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            int version = -1;
            String stampText = null;
            String checksum = null;
            long nonFinite = -1;
            long first = -2;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "version" -> version = t == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
                    case "stamp" -> stampText = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "checksum" -> checksum = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "non_finite_rows" -> nonFinite = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
                    case "first_non_finite_row" -> first = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -2;
                    default -> p.skipChildren();
                }
            }
            if (version != CACHE_VERSION || !stamp.text().equals(stampText) || checksum == null
                    || !checksum.matches("0x[0-9a-f]{16}") || nonFinite < 0 || first < -1) {
                return null;
            }
            return new StoreContent(Long.parseUnsignedLong(checksum.substring(2), 16), nonFinite, first, "cache");
        } catch (IOException | RuntimeException unreadable) {
            return null; // a cache that cannot be read is recomputed, never trusted
        }
    }

    private static void writeCache(Path cache, FileStamp stamp, StoreContent content) {
        Path dir = cache.toAbsolutePath().getParent();
        if (dir == null || !Files.isWritable(dir) || (Files.exists(cache) && !Files.isRegularFile(cache))) {
            return;
        }
        try (AtomicOutput out = AtomicOutput.create(cache)) {
            OutputStream stream = Channels.newOutputStream(out.channel());
            try (JsonGenerator g = JSON.createGenerator(stream, JsonEncoding.UTF8)) {
                g.useDefaultPrettyPrinter();
                g.writeStartObject();
                g.writeNumberField("version", CACHE_VERSION);
                g.writeStringField("about", "Quarry's cache of this store's row checksum and checks; safe to delete");
                g.writeStringField("stamp", stamp.text());
                g.writeStringField("checksum", content.checksumHex());
                g.writeNumberField("non_finite_rows", content.nonFiniteRows());
                g.writeNumberField("first_non_finite_row", content.firstNonFiniteRow());
                g.writeEndObject();
            }
            out.commit();
        } catch (IOException | RuntimeException e) {
            // A cache that cannot be written costs a scan next time, nothing more.
        }
    }
}
