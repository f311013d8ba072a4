package dev.quarry.labels;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A qrels file read on several threads, for {@link QrelsReader}: the file is cut into chunks of at least
 * {@code chunkBytes} that end just after a line feed, each thread takes the next chunk, decodes it as strict
 * UTF-8, splits it into lines as {@link java.io.BufferedReader#readLine} does (line feed, carriage return, or
 * both) and reads them into an accumulator of its own, ids resolved as it goes (the id lookups are most of a
 * big file's reading: a random read of the id table for each id). The chunks' accumulators are then joined in
 * file order, each chunk's line numbers moved by the lines of the chunks before it, so the pairs, the counts
 * and the first unknown ids with their lines are what one read in order finds.
 *
 * <p>A chunk that meets anything to report (a malformed line, an unknown id under strict, bytes that are not
 * UTF-8) stops the read: {@link #read} answers null and the caller reads the file again in order, so every
 * error is the sequential reader's, naming the same line and field. A TSV header is only skipped as the first
 * data line of the file; a chunk after the first takes its first data line as data, and a header-like line
 * there fails the chunk, which sends the file to the sequential read as well.
 */
final class QrelsChunks {
    private QrelsChunks() {
    }

    private record Chunk(QrelsReader.Accumulator pairs, long lines) {
    }

    /**
     * Reads {@code file} in {@code format} on up to {@code threads} threads (the calling one among them); null
     * when a chunk met something to report.
     */
    static QrelsReader.Result read(QrelsReader reader, Path file, QrelsFormat format, int threads, int chunkBytes)
            throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long[] bounds = bounds(ch, chunkBytes);
            if (bounds == null) {
                return null;
            }
            int chunks = bounds.length - 1;
            Chunk[] read = new Chunk[chunks];
            AtomicInteger next = new AtomicInteger();
            AtomicReference<Throwable> stop = new AtomicReference<>();
            Runnable work = () -> {
                try {
                    for (int k = next.getAndIncrement(); k < chunks && stop.get() == null; k = next.getAndIncrement()) {
                        read[k] = chunk(reader, file, format, ch, bounds[k], bounds[k + 1], k == 0);
                    }
                } catch (Throwable e) {
                    stop.compareAndSet(null, e);
                }
            };
            List<Thread> helpers = new ArrayList<>();
            for (int t = 1; t < Math.min(threads, chunks); t++) {
                helpers.add(Thread.ofPlatform().name("quarry-qrels-" + t).daemon(true).start(work));
            }
            work.run();
            joinAll(helpers);
            Throwable stopped = stop.get();
            if (stopped instanceof dev.quarry.QuarryDataException || stopped instanceof IOException) {
                return null; // something to report: the sequential read reports it
            }
            if (stopped instanceof RuntimeException e) {
                throw e;
            }
            if (stopped instanceof Error e) {
                throw e;
            }
            QrelsReader.Accumulator all = reader.accumulator(file);
            long lines = 0;
            for (Chunk c : read) {
                all.append(c.pairs(), lines);
                lines += c.lines();
            }
            return all.result();
        }
    }

    /**
     * Where the chunks start, and the file's size last: every chunk but the last ends just after a line feed at
     * least {@code chunkBytes} bytes after its start. Null when a chunk would not fit an array.
     */
    static long[] bounds(FileChannel ch, int chunkBytes) throws IOException {
        long size = ch.size();
        long[] bounds = new long[16];
        int n = 0;
        bounds[n++] = 0;
        ByteBuffer window = ByteBuffer.allocate(1 << 16);
        while (true) {
            long from = bounds[n - 1] + chunkBytes - 1; // the chunk's last byte at the earliest
            long lineFeed = from >= size ? -1 : nextLineFeed(ch, from, size, window);
            long end = lineFeed < 0 ? size : lineFeed + 1;
            if (end - bounds[n - 1] > Integer.MAX_VALUE - 16) {
                return null;
            }
            if (end >= size) {
                break;
            }
            if (n == bounds.length) {
                bounds = Arrays.copyOf(bounds, n * 2);
            }
            bounds[n++] = end;
        }
        bounds = Arrays.copyOf(bounds, n + 1);
        bounds[n] = size;
        return bounds;
    }

    /** The position of the first line feed at or after {@code from}, or -1. */
    private static long nextLineFeed(FileChannel ch, long from, long size, ByteBuffer window) throws IOException {
        for (long at = from; at < size; ) {
            window.clear();
            int got = ch.read(window, at);
            if (got <= 0) {
                return -1;
            }
            for (int i = 0; i < got; i++) {
                if (window.get(i) == '\n') {
                    return at + i;
                }
            }
            at += got;
        }
        return -1;
    }

    /** Reads the lines of bytes {@code [start, end)}, numbered from 1, into an accumulator of their own. */
    private static Chunk chunk(QrelsReader reader, Path file, QrelsFormat format, FileChannel ch, long start,
                               long end, boolean fileStart) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate((int) (end - start));
        while (bytes.hasRemaining()) {
            if (ch.read(bytes, start + bytes.position()) < 0) {
                throw new IOException(file + ": shorter than " + end + " bytes while read");
            }
        }
        // A chunk starts after a line feed, so it never starts inside a UTF-8 sequence; newDecoder reports
        // malformed bytes as the sequential reader's decoder does.
        String text = StandardCharsets.UTF_8.newDecoder().decode(bytes.flip()).toString();
        QrelsReader.Accumulator pairs = reader.deferredAccumulator(file);
        long lineNo = 0;
        boolean first = fileStart;
        int n = text.length();
        for (int i = 0; i < n; ) {
            int stop = i;
            char c = 0;
            while (stop < n && (c = text.charAt(stop)) != '\n' && c != '\r') {
                stop++;
            }
            String line = text.substring(i, stop);
            lineNo++;
            if (fileStart && lineNo == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1); // a UTF-8 byte-order mark is not part of the first id
            }
            if (reader.line(file, format, lineNo, line, first, pairs)) {
                first = false;
            }
            i = stop + (stop < n && c == '\r' && stop + 1 < n && text.charAt(stop + 1) == '\n' ? 2 : 1);
        }
        pairs.resolvePending();
        return new Chunk(pairs, lineNo);
    }

    private static void joinAll(List<Thread> threads) {
        boolean interrupted = false;
        for (Thread t : threads) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
