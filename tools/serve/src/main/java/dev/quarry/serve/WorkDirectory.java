package dev.quarry.serve;

import dev.quarry.QuarryDataException;
import dev.quarry.files.FileStamp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The directory a server owns ({@code --work-dir}): every file it maps lives here, so a user may rewrite
 * or delete their own files the moment the server has accepted them (a mapped file cut short under a
 * running JVM is a SIGBUS that kills it). The corpus the server starts with and each refreshed corpus
 * are copied in ({@link #copyIn}), with their ids; the index of a version is written here; a version's
 * files all start with {@code vN-} and go when the version closes. The directory is marked as the
 * server's ({@value #MARKER}) and locked while a server runs; at start, what a server that died left
 * (copies, indexes, temps, locks) is removed. A directory that holds files but no marker is a user's and
 * is refused, so nothing of a user's is ever deleted.
 */
final class WorkDirectory implements AutoCloseable {
    static final String MARKER = ".quarry-serve";
    /** The copies' write size: a multiple of 2 MiB, the page a mapping can take for a large folio. */
    static final int COPY_CHUNK = 4 << 20;
    private static final String LOCK = ".quarry-serve.lock";

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private WorkDirectory(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Claims {@code dir} (created when missing) for this server, and removes what an earlier one left. */
    static WorkDirectory claim(Path dir, java.io.PrintWriter log) {
        try {
            Files.createDirectories(dir);
            Path marker = dir.resolve(MARKER);
            if (!Files.isRegularFile(marker)) {
                try (Stream<Path> entries = Files.list(dir)) {
                    if (entries.findAny().isPresent()) {
                        throw new QuarryDataException(dir, "--work-dir", "a directory with files of its own",
                                "a new or empty directory, or one a quarry serve made (it holds " + MARKER + ")");
                    }
                }
                Files.writeString(marker, "The work directory of quarry serve: copies of the corpora it serves and"
                        + " their indexes.\nEverything here but this file is deleted when a server starts or stops.\n");
            }
            FileChannel channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new QuarryDataException(dir, "--work-dir", "in use by another quarry serve",
                        "a work directory of this server's own (give each server its own --work-dir)");
            }
            WorkDirectory claimed = new WorkDirectory(dir.toRealPath(), channel, lock);
            int removed = claimed.removeAllButMarker();
            if (removed > 0) {
                log.println("quarry serve: removed " + removed + " files an earlier server left in " + dir);
                log.flush();
            }
            return claimed;
        } catch (IOException e) {
            throw new QuarryDataException(dir, "--work-dir", "not writable (" + e.getMessage() + ")",
                    "a directory this server may create and write");
        }
    }

    /** The directory. */
    Path path() {
        return dir;
    }

    /**
     * Copies {@code source} (and its ids, {@code ids} or {@code SOURCE.ids} when present) in as version
     * {@code version}'s corpus, and returns the copy. The source's stamp (inode, size, times) is taken
     * before and after: a file rewritten while it was copied is refused, never served torn.
     */
    Path copyIn(Path source, Path ids, long version) {
        return copyIn(source, ids, prefix(version));
    }

    /**
     * Copies {@code source} and its ids in under {@code prefix} (which names the files {@link #deletePrefix}
     * removes), as {@link #copyIn(Path, Path, long)} does for a version's corpus: a held-out set's queries.
     */
    Path copyIn(Path source, Path ids, String prefix) {
        Path copy = dir.resolve(prefix + source.getFileName());
        Path idsSource = ids != null ? ids : source.resolveSibling(source.getFileName() + ".ids");
        try {
            FileStamp before = FileStamp.of(source);
            copy(source, copy);
            if (Files.isRegularFile(idsSource)) {
                copy(idsSource, copy.resolveSibling(copy.getFileName() + ".ids"));
            }
            if (!FileStamp.of(source).sameAs(before)) {
                throw new QuarryDataException(source, "content", "changed while the server copied it",
                        "a file left alone until the server has accepted it (answered 202, or started)");
            }
            return copy;
        } catch (IOException e) {
            throw new QuarryDataException(source, "copy", e.getMessage(), "a file the server can copy into "
                    + dir + " (--work-dir)", e);
        }
    }

    /** Gives version {@code version} the ids of an earlier copy ({@code ids}, or none): a refresh keeps the rows' ids. */
    void keepIds(Path ids, Path copy) {
        Path target = copy.resolveSibling(copy.getFileName() + ".ids");
        if (ids == null || Files.exists(target)) {
            return;
        }
        try {
            copy(ids, target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the index of the version whose corpus copy is {@code corpusCopy} is written: beside it, its name. */
    static Path indexFile(Path corpusCopy) {
        return corpusCopy.resolveSibling(corpusCopy.getFileName().toString().replaceFirst("\\.(qvec|npy|fvecs)$", "")
                + ".qivf");
    }

    /** Deletes every file of version {@code version} (copies, ids, caches, index, temps). */
    void deleteVersion(long version) {
        deleteMatching(name -> name.startsWith(prefix(version)));
    }

    /** Deletes every file whose name starts with {@code prefix}. */
    void deletePrefix(String prefix) {
        deleteMatching(name -> name.startsWith(prefix));
    }

    private static String prefix(long version) {
        return "v" + version + "-";
    }

    private static void copy(Path from, Path to) throws IOException {
        copy(from, to, COPY_CHUNK);
    }

    /**
     * Copies {@code from} to {@code to} (a temp name, then renamed) in writes of {@code chunk} bytes at offsets that
     * are multiples of it. The server maps its copies, and how the kernel holds a file's pages decides how it can
     * map them: written in large aligned writes, the copy's page cache is in large folios that a mapping takes as
     * 2 MiB pages, as it does for a file read in (the user's own corpus); {@code Files.copy} (copy_file_range,
     * spliced a 4 KiB page at a time) left it in 4 KiB pages (FilePmdMapped 0 in /proc/PID/smaps, against 1.3 of
     * 1.5 GB for the user's file), and every call's scan of its lists, tens of MB, then walks the page tables on
     * each 4 KiB: the same server mining the same calls from such a copy took about a fifth more CPU a call
     * (bench/README.md, "Old and new code side by side").
     */
    static void copy(Path from, Path to, int chunk) throws IOException {
        Path temp = to.resolveSibling(to.getFileName() + ".copying");
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                     StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(chunk);
            while (true) {
                buffer.clear();
                // the chunk filled whole: a short read would leave the next writes off the chunk's alignment
                while (buffer.hasRemaining()) {
                    if (in.read(buffer) < 0) {
                        break;
                    }
                }
                if (buffer.position() == 0) {
                    break;
                }
                buffer.flip();
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
        }
        Files.move(temp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private int removeAllButMarker() {
        return deleteMatching(name -> !name.equals(MARKER) && !name.equals(LOCK));
    }

    private int deleteMatching(java.util.function.Predicate<String> which) {
        int removed = 0;
        List<Path> files;
        try (Stream<Path> entries = Files.list(dir)) {
            files = entries.filter(p -> which.test(p.getFileName().toString())).toList();
        } catch (IOException e) {
            return 0;
        }
        for (Path p : files) {
            try {
                if (Files.deleteIfExists(p)) {
                    removed++;
                }
            } catch (IOException e) {
                // a file left costs disk only; the next start removes it
            }
        }
        return removed;
    }

    /** Removes every version's files and lets the directory go. */
    @Override
    public void close() {
        removeAllButMarker();
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            // released with the process anyway
        }
    }
}
