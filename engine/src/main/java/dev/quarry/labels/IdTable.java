package dev.quarry.labels;

import dev.quarry.QuarryDataException;
import dev.quarry.files.AtomicOutput;
import dev.quarry.files.ContentChecksum;
import dev.quarry.files.FileFormat;
import dev.quarry.files.UserFiles;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.Objects;

/**
 * A read-only id map kept off the heap: a sorted table in a memory-mapped file, built once from a
 * list of ids (one per row) and cached beside its source as {@code SOURCE.qidx}. Chosen over a
 * persistent hash map because a mining run needs an immutable map that opens in milliseconds:
 * building is one sort, opening is one mmap, and no JVM internals are involved.
 *
 * <p>File layout, a {@link FileFormat} file (little-endian): a 64-byte header (magic {@code QIDX},
 * version u16, zero u16, count u64, blob size u64, source size u64, the checksum of the source's bytes u64,
 * CRC32C of bytes 0..39), then the body: {@code count + 1} u64 offsets into the blob, the blob of UTF-8 ids
 * (zero-padded to 8 bytes), then {@code count} u64 entries {@code hash32 << 32 | ordinal} sorted; then the
 * footer with the body's checksum. A lookup finds the entries of the id's 32-bit hash through a directory of
 * the hash's top bits, kept on the heap, then compares bytes with the few entries that share the hash.
 *
 * <p>The table is a cache: one of another version, a damaged one (header CRC, size, or body checksum, all
 * checked at open: a few milliseconds for a million ids) or one of another source is rebuilt, never trusted.
 */
public final class IdTable implements IdMap, AutoCloseable {
    private static final int VERSION = 3; // 1 keyed the cache by size and mtime; 2 had no CRC and no footer
    private static final int HEADER = 64;
    private static final FileFormat FORMAT = new FileFormat("QIDX", "a .qidx id table", VERSION, VERSION, 40, HEADER);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private final Arena arena;
    private final MemorySegment file;
    private final long count;
    private final long offsetsAt;
    private final long blobAt;
    private final long tableAt;
    private final int bucketBits;
    private volatile int[] buckets;

    private IdTable(Arena arena, MemorySegment file) {
        this.arena = arena;
        this.file = file;
        this.count = file.get(LONG, 8);
        long blobBytes = file.get(LONG, 16);
        this.offsetsAt = HEADER;
        this.blobAt = offsetsAt + 8 * (count + 1);
        this.tableAt = (blobAt + blobBytes + 7) / 8 * 8;
        this.bucketBits = bucketBits(count);
    }

    /**
     * The id table of a text file with one id per line (line i = row i), built and cached beside it
     * on first use (or in the temp directory when that directory is read-only).
     */
    public static IdTable forIdFile(Path ids) {
        return forSource(ids, sink -> readLines(ids, sink));
    }

    /**
     * The id table of {@code source}, whose ids (in row order) {@code ids} produces; cached as
     * {@code source.qidx} and rebuilt when the source's content changes: the cache records the
     * checksum of the source's bytes, which is recomputed at every open (a sequential read of the
     * id file, small next to the stores), so a rewrite that keeps size and mtime is still seen.
     */
    public static IdTable forSource(Path source, IdSource ids) {
        Path cache = source.resolveSibling(source.getFileName() + ".qidx");
        long[] stamp = stamp(source);
        IdTable existing = openIfFresh(cache, stamp);
        if (existing != null) {
            return existing;
        }
        try {
            UserFiles.requireOutput(cache);
        } catch (QuarryDataException readOnly) {
            try {
                cache = Files.createTempFile("quarry-ids", ".qidx");
                cache.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        build(source, ids, cache, stamp);
        IdTable built = openIfFresh(cache, stamp);
        if (built == null) {
            throw new IllegalStateException(cache + ": just built, yet unreadable");
        }
        return built;
    }

    @Override
    public long size() {
        return count;
    }

    @Override
    public String id(int ordinal) {
        Objects.checkIndex(ordinal, count);
        long start = file.get(LONG, offsetsAt + 8L * ordinal);
        long end = file.get(LONG, offsetsAt + 8L * (ordinal + 1));
        byte[] bytes = new byte[(int) (end - start)];
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, blobAt + start, bytes, 0, bytes.length);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public int ordinal(String id) {
        byte[] key = id.getBytes(StandardCharsets.UTF_8);
        long hash = hash32(key);
        int[] starts = buckets();
        int bucket = (int) (hash >>> (32 - bucketBits));
        for (long i = starts[bucket], end = starts[bucket + 1]; i < end; i++) {
            long e = entry(i);
            long h = e >>> 32;
            if (h > hash) {
                break; // a bucket's entries are sorted by hash
            }
            if (h == hash && sameBytes((int) e, key)) {
                return (int) e;
            }
        }
        return -1;
    }

    /**
     * Looks the ids up in the table's order instead of theirs: sorted by hash, the entries are read front to
     * back, and the candidates sorted by ordinal, their offsets and bytes too, so a big batch reads the table
     * nearly in sequence where one lookup at a time costs a few cache misses (the entry, its offset, its bytes)
     * for every id.
     */
    @Override
    public void ordinals(String[] ids, int n, int[] out) {
        if (n < 1024) {
            IdMap.super.ordinals(ids, n, out);
            return;
        }
        byte[][] keys = new byte[n][];
        long[] byHash = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = ids[i].getBytes(StandardCharsets.UTF_8);
            byHash[i] = hash32(keys[i]) << 32 | i;
            out[i] = -1;
        }
        Arrays.sort(byHash); // hashes are below 2^32: signed order is the table's order
        int[] starts = buckets();
        long[] byOrdinal = new long[n];
        int candidates = 0;
        for (long key : byHash) {
            long hash = key >>> 32;
            int bucket = (int) (hash >>> (32 - bucketBits));
            for (long i = starts[bucket], end = starts[bucket + 1]; i < end; i++) {
                long e = entry(i);
                long h = e >>> 32;
                if (h > hash) {
                    break;
                }
                if (h == hash) {
                    if (candidates == byOrdinal.length) {
                        byOrdinal = Arrays.copyOf(byOrdinal, candidates * 2);
                    }
                    byOrdinal[candidates++] = (e & 0xffffffffL) << 32 | (key & 0xffffffffL);
                }
            }
        }
        Arrays.sort(byOrdinal, 0, candidates);
        for (int c = 0; c < candidates; c++) {
            int ordinal = (int) (byOrdinal[c] >>> 32);
            int i = (int) byOrdinal[c];
            if (sameBytes(ordinal, keys[i])) {
                out[i] = ordinal; // ids are unique: at most one candidate of an id matches
            }
        }
    }

    /**
     * Where each bucket of entries starts: bucket b holds the entries whose hash's top bits
     * are b, about 4 to 8 of them, so a lookup reads one entry of this heap array (a few hundred KB for a
     * million ids: in the cache) and then the entries of its bucket, a cache line or two, where a search started
     * at the position a uniform hash predicts strays by hundreds of entries and reads several lines of the mapped
     * file before it narrows down. Built from the
     * table on the first lookup (one pass over its entries), not at open: a table only read for ids never
     * needs it.
     */
    private int[] buckets() {
        int[] b = buckets;
        if (b == null) {
            synchronized (this) {
                b = buckets;
                if (b == null) {
                    b = new int[(1 << bucketBits) + 1];
                    int next = 0;
                    // Copied out a block at a time: the loop runs once per table, often before it is compiled,
                    // where an access to the mapped file costs far more than one to an array.
                    long[] block = new long[(int) Math.min(count, 1 << 16)];
                    for (long from = 0; from < count; from += block.length) {
                        int n = (int) Math.min(block.length, count - from);
                        MemorySegment.copy(file, LONG, tableAt + 8 * from, block, 0, n);
                        for (int j = 0; j < n; j++) {
                            int bucket = (int) (block[j] >>> (64 - bucketBits));
                            while (next <= bucket) {
                                b[next++] = (int) (from + j);
                            }
                        }
                    }
                    while (next < b.length) {
                        b[next++] = (int) count;
                    }
                    buckets = b;
                }
            }
        }
        return b;
    }

    /** Bits of the hash that pick a bucket: about 4 to 8 ids a bucket, at most 2^24 buckets (64 MiB). */
    static int bucketBits(long count) {
        int log2 = 63 - Long.numberOfLeadingZeros(Math.max(1, count));
        return Math.clamp(log2 - 2, 1, 24);
    }

    private long entry(long i) {
        return file.get(LONG, tableAt + 8 * i);
    }

    private boolean sameBytes(int ordinal, byte[] key) {
        long start = file.get(LONG, offsetsAt + 8L * ordinal);
        long end = file.get(LONG, offsetsAt + 8L * (ordinal + 1));
        if (end - start != key.length) {
            return false;
        }
        long at = blobAt + start;
        for (int i = 0; i < key.length; i++) { // ids are short: a loop beats a bulk mismatch's set-up
            if (file.get(ValueLayout.JAVA_BYTE, at + i) != key[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        arena.close();
    }

    /** A 32-bit hash of UTF-8 bytes (FNV-1a 64 with a murmur finalizer, high half). */
    static long hash32(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h >>> 32;
    }

    private static long[] stamp(Path source) {
        UserFiles.requireInput(source);
        try {
            return new long[] {Files.size(source), ContentChecksum.ofFile(source)};
        } catch (IOException e) {
            throw new QuarryDataException(source, "file", "unreadable (" + e.getMessage() + ")", "a readable id file", e);
        }
    }

    /** The cache, when it is intact, of this version and of this source; null when it must be (re)built. */
    private static IdTable openIfFresh(Path cache, long[] stamp) {
        if (!Files.isRegularFile(cache)) {
            return null;
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(cache, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER + FileFormat.FOOTER_BYTES) {
                arena.close();
                return null;
            }
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            ByteBuffer header = FORMAT.readHeader(cache, seg.asSlice(0, HEADER).asByteBuffer(), "rebuilt").bytes();
            long count = header.getLong(8);
            long blobBytes = header.getLong(16);
            boolean fresh = header.getLong(24) == stamp[0] && header.getLong(32) == stamp[1]
                    && count >= 0 && count < Integer.MAX_VALUE && blobBytes >= 0 && blobBytes < size
                    && size == bodyEnd(count, blobBytes) + FileFormat.FOOTER_BYTES;
            if (!fresh) {
                arena.close();
                return null;
            }
            long body = bodyEnd(count, blobBytes);
            FileFormat.checkBody(cache, FORMAT.readFooter(cache, seg.asSlice(body, FileFormat.FOOTER_BYTES)
                    .asByteBuffer()), new ContentChecksum().update(seg, HEADER, body - HEADER).value(), "the table",
                    "rebuilt");
            return new IdTable(arena, seg);
        } catch (IOException | QuarryDataException damagedOrOld) {
            arena.close();
            return null; // a cache: rebuilt from its source
        }
    }

    /** Where the body of a table of {@code count} ids in {@code blobBytes} ends. */
    private static long bodyEnd(long count, long blobBytes) {
        return (HEADER + 8 * (count + 1) + blobBytes + 7) / 8 * 8 + 8 * count;
    }

    private static void build(Path source, IdSource ids, Path cache, long[] stamp) {
        Path blobFile = null;
        try {
            blobFile = Files.createTempFile(cache.toAbsolutePath().getParent(), "quarry-ids", ".blob");
            IdCollector collected = new IdCollector(source);
            try (OutputStream blob = new BufferedOutputStream(Files.newOutputStream(blobFile), 1 << 16)) {
                collected.blob = blob;
                ids.produce(collected);
            }
            int n = collected.n;
            long[] offsets = collected.offsets;
            long[] entries = collected.entries;
            long blobBytes = collected.blobBytes;
            offsets[n] = blobBytes;
            long[] sorted = Arrays.copyOf(entries, n);
            // Signed order would put hashes >= 2^31 first; flip the sign bit so signed sort = unsigned order.
            for (int i = 0; i < n; i++) {
                sorted[i] ^= Long.MIN_VALUE;
            }
            Arrays.parallelSort(sorted);
            for (int i = 0; i < n; i++) {
                sorted[i] ^= Long.MIN_VALUE;
            }
            checkUnique(source, sorted, offsets, blobFile);
            try (AtomicOutput out = AtomicOutput.create(cache)) {
                write(out, n, offsets, blobFile, blobBytes, sorted, stamp);
                out.commit();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the id table " + cache, e);
        } finally {
            if (blobFile != null) {
                try {
                    Files.deleteIfExists(blobFile);
                } catch (IOException ignored) {
                    // A leftover temp blob is harmless.
                }
            }
        }
    }

    private static void write(AtomicOutput out, int n, long[] offsets, Path blobFile, long blobBytes, long[] sorted,
                              long[] stamp) throws IOException {
        FileChannel ch = out.channel();
        ch.position(HEADER);
        ContentChecksum body = new ContentChecksum();
        ByteBuffer longs = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i <= n; i++) {
            if (!longs.hasRemaining()) {
                writeFully(ch, longs.flip(), body);
                longs.clear();
            }
            longs.putLong(offsets[i]);
        }
        writeFully(ch, longs.flip(), body);
        try (FileChannel blob = FileChannel.open(blobFile, StandardOpenOption.READ)) {
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16);
            while (blob.read(chunk) > 0) {
                writeFully(ch, chunk.flip(), body);
                chunk.clear();
            }
        }
        long pad = (8 - (HEADER + 8L * (n + 1) + blobBytes) % 8) % 8;
        writeFully(ch, ByteBuffer.allocate((int) pad), body);
        longs.clear();
        for (int i = 0; i < n; i++) {
            if (!longs.hasRemaining()) {
                writeFully(ch, longs.flip(), body);
                longs.clear();
            }
            longs.putLong(sorted[i]);
        }
        writeFully(ch, longs.flip(), body);
        writeFully(ch, FileFormat.footer(body.value()), null);
        ByteBuffer header = FORMAT.sealHeader(FORMAT.startHeader().putShort((short) 0).putLong(n).putLong(blobBytes)
                .putLong(stamp[0]).putLong(stamp[1]));
        while (header.hasRemaining()) {
            ch.write(header, header.position());
        }
    }

    /** Writes all of {@code buf} at the channel's position, adding it to {@code checksum} (when not null). */
    private static void writeFully(FileChannel ch, ByteBuffer buf, ContentChecksum checksum) throws IOException {
        if (checksum != null) {
            checksum.update(buf.duplicate());
        }
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** Entries with the same hash are compared byte by byte: equal bytes mean a duplicate id. */
    private static void checkUnique(Path source, long[] sorted, long[] offsets, Path blobFile) throws IOException {
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(blobFile, StandardOpenOption.READ)) {
            MemorySegment blob = ch.size() == 0 ? MemorySegment.NULL
                    : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            for (int i = 1; i < sorted.length; i++) {
                if (sorted[i] >>> 32 != sorted[i - 1] >>> 32) {
                    continue;
                }
                for (int j = i - 1; j >= 0 && sorted[j] >>> 32 == sorted[i] >>> 32; j--) {
                    int a = (int) sorted[j];
                    int b = (int) sorted[i];
                    long lenA = offsets[a + 1] - offsets[a];
                    long lenB = offsets[b + 1] - offsets[b];
                    if (lenA == lenB && (lenA == 0 || MemorySegment.mismatch(blob, offsets[a], offsets[a + 1], blob,
                            offsets[b], offsets[b + 1]) < 0)) {
                        byte[] bytes = new byte[(int) lenA];
                        MemorySegment.copy(blob, ValueLayout.JAVA_BYTE, offsets[a], bytes, 0, bytes.length);
                        throw new QuarryDataException(source, "row " + Math.max(a, b) + " id",
                                new String(bytes, StandardCharsets.UTF_8),
                                "unique ids (row " + Math.min(a, b) + " has the same id)");
                    }
                }
            }
        }
    }

    /** Produces the ids of a source in row order. */
    @FunctionalInterface
    public interface IdSource {
        /** Hands every id, in row order, to {@code sink}. */
        void produce(Consumer<String> sink) throws IOException;
    }

    private static void readLines(Path file, Consumer<String> sink) {
        long line = 0;
        UserFiles.requireInput(file);
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String id = reader.readLine(); id != null; id = reader.readLine()) {
                line++;
                if (id.isEmpty()) {
                    throw new QuarryDataException(file, "line " + line, "empty", "one non-empty id per line");
                }
                sink.accept(id);
            }
        } catch (CharacterCodingException e) {
            throw new QuarryDataException(file, "line " + (line + 1), "invalid UTF-8", "UTF-8 text", e);
        } catch (IOException e) {
            throw new QuarryDataException(file, "file", "unreadable (" + e.getMessage() + ")", "a readable id file", e);
        }
    }

    /** Accumulates offsets, hashes and the blob while ids stream in. */
    private static final class IdCollector implements Consumer<String> {
        private final Path source;
        private OutputStream blob;
        private long[] offsets = new long[1024];
        private long[] entries = new long[1024];
        private int n;
        private long blobBytes;

        IdCollector(Path source) {
            this.source = source;
        }

        @Override
        public void accept(String id) {
            if (n == Integer.MAX_VALUE - 8) {
                throw new QuarryDataException(source, "ids", "over 2^31", "fewer ids");
            }
            byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
            if (n + 1 >= offsets.length) {
                offsets = Arrays.copyOf(offsets, offsets.length * 2);
                entries = Arrays.copyOf(entries, entries.length * 2);
            }
            offsets[n] = blobBytes;
            entries[n] = hash32(bytes) << 32 | n;
            try {
                blob.write(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            blobBytes += bytes.length;
            n++;
        }
    }
}
