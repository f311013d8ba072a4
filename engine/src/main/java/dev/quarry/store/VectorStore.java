package dev.quarry.store;

import dev.quarry.QuarryDataException;
import dev.quarry.files.FileStamp;
import dev.quarry.files.MappedFiles;
import dev.quarry.vector.KernelMemory;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A read-only matrix of float32 rows, memory-mapped through FFM: rows stay off the heap, files
 * larger than 2 GiB work, and a row is read in place from {@link #segment()} at
 * {@link #rowOffset(long)} (no copy). {@code .qvec}, {@code .npy} ({@code <f4}, C order) and
 * {@code .fvecs} open without conversion; other layouts go through {@link StoreImporter}.
 *
 * <p>Thread-safe for reading: the mapping belongs to a shared arena, closed by {@link #close()};
 * no thread may read rows after that.
 */
public final class VectorStore implements AutoCloseable {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final MatrixLayout layout;
    private final Arena arena;
    private final MemorySegment segment; // of the kernels' class (KernelMemory), whatever the rows are
    private final MemorySegment mapped; // the file's own mapping (for load()), null for rows in memory
    private final boolean file;
    private final RowsCheck rowsCheck;
    private volatile Object mapping; // MappedFiles' token, while mapped
    private FileStamp openedAs; // the file's stamp taken before it was read (null: unknown, nothing cached)
    private volatile StoreContent content;

    private VectorStore(MatrixLayout layout, Arena arena, MemorySegment segment, boolean file) {
        this.layout = layout;
        this.arena = arena;
        this.segment = KernelMemory.of(segment);
        this.mapped = file ? segment : null;
        this.file = file;
        this.rowsCheck = file ? new RowsCheck(this) : null;
    }

    /** Maps a {@code .qvec}, float32 {@code .npy} or {@code .fvecs} file, after checking its header and size. */
    public static VectorStore open(Path path) {
        FileStamp stamp = FileStamp.orNull(path); // before any read: a cached checksum must be of these bytes
        MatrixLayout layout = MatrixLayout.read(path);
        if (layout.type() != ElementType.FLOAT32) {
            throw new QuarryDataException(path, "dtype", "<f2", "<f4 to open in place; convert it once with "
                    + "`quarry import --input " + path + " --output " + path.getFileName() + ".qvec`");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment segment = ch.map(FileChannel.MapMode.READ_ONLY, 0, layout.fileSize(), arena);
            VectorStore store = new VectorStore(layout, arena, segment, true);
            store.mapping = MappedFiles.mapped(path, layout.fileSize());
            store.openedAs = stamp;
            return store;
        } catch (IOException | RuntimeException e) {
            arena.close();
            if (e instanceof QuarryDataException qe) {
                throw qe;
            }
            throw new QuarryDataException(path, "file", "cannot be mapped (" + e.getMessage() + ")",
                    "a regular, readable file", e);
        }
    }

    /**
     * Wraps rows already in memory (an in-process caller's vectors): {@code count} rows of {@code dim}
     * floats, little-endian, at byte {@code dataOffset + r * rowStride} of {@code segment}. The caller
     * keeps the segment alive; {@link #close()} does not free it.
     *
     * @throws IllegalArgumentException for a heap segment: the kernels read native memory only ({@link KernelMemory})
     */
    public static VectorStore wrap(String name, MemorySegment segment, int dim, long count, long dataOffset,
                                   long rowStride, boolean normalized) {
        Objects.requireNonNull(segment, "segment");
        if (!segment.isNative()) {
            throw new IllegalArgumentException("segment: heap memory, expected native memory (an arena's or a mapped "
                    + "file's; copy heap rows with copyOf)");
        }
        if (dim < 1 || count < 0 || rowStride < 4L * dim) {
            throw new IllegalArgumentException("dim=" + dim + ", count=" + count + ", rowStride=" + rowStride
                    + ", expected dim >= 1, count >= 0, rowStride >= 4 x dim");
        }
        long needed = count == 0 ? dataOffset : dataOffset + (count - 1) * rowStride + 4L * dim;
        if (segment.byteSize() < needed) {
            throw new IllegalArgumentException("segment size=" + segment.byteSize() + ", expected >= " + needed);
        }
        MatrixLayout layout = new MatrixLayout(Path.of(name), StoreFormat.QVEC, ElementType.FLOAT32, dim, count,
                dataOffset, rowStride, normalized, true, 0, segment.byteSize(), OptionalLong.empty());
        return new VectorStore(layout, null, segment, false);
    }

    /** Copies heap rows (all of one length) into a new off-heap store owned by the returned object. */
    public static VectorStore copyOf(String name, float[][] rows, boolean normalized) {
        if (rows.length == 0) {
            throw new IllegalArgumentException(name + ": rows=0, expected at least one row");
        }
        int dim = rows[0].length;
        Arena arena = Arena.ofShared();
        MemorySegment segment = arena.allocate(Math.max(4L, 4L * dim * rows.length), 64);
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != dim) {
                arena.close();
                throw new IllegalArgumentException(name + ": row " + r + " length=" + rows[r].length
                        + ", expected " + dim);
            }
            MemorySegment.copy(rows[r], 0, segment, FLOAT, 4L * dim * r, dim);
        }
        MatrixLayout layout = new MatrixLayout(Path.of(name), StoreFormat.QVEC, ElementType.FLOAT32, dim,
                rows.length, 0, 4L * dim, normalized, true, 0, segment.byteSize(), OptionalLong.empty());
        return new VectorStore(layout, arena, segment, false);
    }

    /** Whether the rows are a mapped file (not rows wrapped or copied in memory). */
    public boolean isFile() {
        return file;
    }

    /** The file's stamp taken before it was opened and read (null for rows in memory, or when unknown). */
    FileStamp openedAs() {
        return openedAs;
    }

    /**
     * The rows' checksum and non-finite rows ({@link StoreContents}): found once per store object,
     * from a {@code .qvec} footer, the cache beside the file, or a scan whose progress goes to
     * {@code progress} (may be null). Thread-safe.
     */
    public StoreContent content(PrintWriter progress) {
        StoreContent c = content;
        if (c == null) {
            synchronized (this) {
                c = content;
                if (c == null) {
                    c = StoreContents.of(this, progress);
                    content = c;
                }
            }
        }
        return c;
    }

    /**
     * Tells the store that a scan has just read rows {@code [first, first + rows)}, in order, from
     * {@link #segment()}: the rows of a file are checked against the checksum it records as whole scans read
     * them ({@link RowsCheck}: summed once, while in the cache). Cheap once checked (one volatile read).
     *
     * @throws QuarryDataException naming the file, once the rows read differ from what it records
     */
    public void scanned(long first, long rows) {
        if (rowsCheck != null) {
            rowsCheck.scanned(first, rows);
        }
    }

    /**
     * Checks every row of the file against the checksum it records, reading the rows no scan has checked
     * yet: what a caller does before relying on rows it read whole in another order, or in ranges that may
     * never line up with the check. Nothing for rows in memory.
     *
     * @throws QuarryDataException naming the file when the rows differ from what it records
     */
    public void checkRows() {
        if (rowsCheck != null) {
            rowsCheck.finish();
        }
    }

    /** Whether every row was checked against the recorded checksum (always true for rows in memory). */
    public boolean rowsChecked() {
        return rowsCheck == null || rowsCheck.passed();
    }

    /** Records that a whole scan just read every row and found the checksum they must hold ({@link StoreContents}). */
    void rowsCheckedElsewhere() {
        if (rowsCheck != null) {
            rowsCheck.passedElsewhere();
        }
    }

    /** The rows' checksum as recorded (a footer) or found so far (the content), without computing it. */
    OptionalLong recordedChecksum() {
        StoreContent c = content;
        return layout.recordedChecksum().isPresent() ? layout.recordedChecksum()
                : c == null ? OptionalLong.empty() : OptionalLong.of(c.checksum());
    }

    /** The file's layout as read from its header. */
    public MatrixLayout layout() {
        return layout;
    }

    /** The file this store maps. */
    public Path path() {
        return layout.path();
    }

    /** Floats per row. */
    public int dim() {
        return layout.dim();
    }

    /** Number of rows. */
    public long count() {
        return layout.count();
    }

    /** Whether the file declares unit-norm rows. */
    public boolean normalized() {
        return layout.normalized();
    }

    /**
     * The whole mapped file (or the rows in memory); rows are at {@link #rowOffset(long)}, little-endian float32.
     * Of the one class the kernels read ({@link KernelMemory}), whatever the rows are.
     */
    public MemorySegment segment() {
        return segment;
    }

    /** Reads every page of a mapped file into memory (nothing for rows in memory). */
    public void preload() {
        if (mapped != null) {
            mapped.load();
        }
    }

    /** Byte offset of row {@code row} in {@link #segment()}. */
    public long rowOffset(long row) {
        return layout.dataOffset() + row * layout.rowStride();
    }

    /** Bytes between consecutive rows. */
    public long rowStride() {
        return layout.rowStride();
    }

    /** Row {@code row} as a slice of the mapping (a view, no copy). */
    public MemorySegment row(long row) {
        Objects.checkIndex(row, count());
        return segment.asSlice(rowOffset(row), 4L * dim());
    }

    /** Copies row {@code row} into {@code out[0..dim)}. */
    public void copyRow(long row, float[] out) {
        Objects.checkIndex(row, count());
        MemorySegment.copy(segment, FLOAT, rowOffset(row), out, 0, dim());
    }

    /** Element {@code k} of row {@code row}. */
    public float get(long row, int k) {
        return segment.get(FLOAT, rowOffset(row) + 4L * k);
    }

    @Override
    public void close() {
        MappedFiles.unmapped(mapping);
        if (arena != null) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return layout.path() + " (" + layout.describe() + ")";
    }
}
