package dev.quarry.files;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;

/**
 * An output file that appears complete or not at all: bytes go to {@code NAME.tmp} beside the target,
 * and {@link #commit()} forces them to disk and renames the temp file over the target. Closing
 * without committing deletes the temp file, so a failed run leaves nothing half written.
 *
 * <p>The target's directory is checked before any work starts, so an unwritable path fails in
 * milliseconds with a clear error instead of after an hour of mining. Not thread-safe.
 */
public final class AtomicOutput implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private boolean settled; // committed, or kept for a resume: close() leaves the files alone

    private AtomicOutput(Path target, Path temp, FileChannel channel) {
        this.target = target;
        this.temp = temp;
        this.channel = channel;
    }

    /** Starts a new output: creates (or truncates) {@code target.tmp}. */
    public static AtomicOutput create(Path target) {
        return open(target, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE, StandardOpenOption.READ));
    }

    /**
     * Reopens the temp file a killed run left behind, to continue writing at {@code length} bytes
     * (everything after is dropped). Fails when there is no such temp file or it is shorter.
     */
    public static AtomicOutput resume(Path target, long length) {
        Path temp = tempOf(target);
        try {
            long size = Files.size(temp);
            if (size < length) {
                throw new QuarryDataException(temp, "size", size + " bytes",
                        "at least " + length + " bytes recorded by the checkpoint");
            }
        } catch (IOException e) {
            throw new QuarryDataException(temp, "file", "missing (" + e.getMessage() + ")",
                    "the partial output of the run being resumed", e);
        }
        AtomicOutput out = open(target, EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.READ));
        try {
            out.channel.truncate(length);
            out.channel.position(length);
        } catch (IOException e) {
            out.close();
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Checks that {@code target} could be written: its directory exists and is writable, it is not a directory. */
    public static void checkWritable(Path target) {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new QuarryDataException(target, "output", "directory " + dir + " does not exist",
                    "a path in an existing directory");
        }
        if (!Files.isWritable(dir)) {
            throw new QuarryDataException(target, "output", "directory " + dir + " is not writable",
                    "a path in a writable directory");
        }
        if (Files.isDirectory(absolute)) {
            throw new QuarryDataException(target, "output", "a directory", "a file path");
        }
        if (Files.exists(absolute) && !Files.isWritable(absolute)) {
            throw new QuarryDataException(target, "output", "an existing read-only file", "a writable file path");
        }
    }

    /** The temp file that holds an output until it is committed. */
    public static Path tempOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".tmp");
    }

    private static AtomicOutput open(Path target, Set<StandardOpenOption> options) {
        checkWritable(target);
        Path temp = tempOf(target);
        try {
            return new AtomicOutput(target, temp, FileChannel.open(temp, options));
        } catch (AccessDeniedException e) {
            throw new QuarryDataException(target, "output", "permission denied on " + temp, "a writable path", e);
        } catch (IOException e) {
            throw new QuarryDataException(target, "output", "cannot create " + temp + " (" + e.getMessage() + ")",
                    "a writable path", e);
        }
    }

    /** The final path. */
    public Path target() {
        return target;
    }

    /** The temp path being written. */
    public Path temp() {
        return temp;
    }

    /** The channel to write to (positioned at the end of what was written). */
    public FileChannel channel() {
        return channel;
    }

    /** Forces the bytes to disk (for checkpoints that must not get ahead of the data). */
    public void force() {
        try {
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sync " + temp, e);
        }
    }

    /** Syncs, closes and renames the temp file over the target. */
    public void commit() {
        try {
            channel.force(true);
            channel.close();
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            settled = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + temp + " to " + target, e);
        }
    }

    /** Closes the channel; deletes the temp file unless committed. */
    @Override
    public void close() {
        if (settled) {
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Best effort: the temp file is deleted next, which is what matters.
        }
        abandonQuietly();
    }

    /** Closes the channel but keeps the temp file, so a later run can {@link #resume} it. */
    public void keepForResume() {
        settled = true;
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void abandonQuietly() {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // Nothing more can be done; the temp name makes the leftover obvious.
        }
    }
}
