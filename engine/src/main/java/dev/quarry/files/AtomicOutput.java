package dev.quarry.files;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An output file that appears complete or not at all: bytes go to a temp file beside the target,
 * {@code NAME.quarry-PID-N.tmp}, and {@link #commit()} forces them to disk and renames the temp file
 * over the target. Closing without committing deletes the temp file, so a failed run leaves nothing
 * half written. Temp names are unique per process and output, so two writers never share one; a run
 * that holds the output's {@link OutputLock} deletes the temp files killed runs left behind
 * ({@link #deleteStaleTemps}).
 *
 * <p>The target is checked ({@link UserFiles#requireOutput}) before any work starts, so an unwritable
 * path fails in milliseconds with a clear error instead of after an hour of mining. Not thread-safe.
 */
public final class AtomicOutput implements AutoCloseable {
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final String TEMP_MARK = ".quarry-";

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private boolean settled; // committed, or kept for a resume: close() leaves the files alone

    private AtomicOutput(Path target, Path temp, FileChannel channel) {
        this.target = target;
        this.temp = temp;
        this.channel = channel;
    }

    /** Starts a new output in a new, unique temp file. */
    public static AtomicOutput create(Path target) {
        UserFiles.requireOutput(target);
        Path temp = target.resolveSibling(target.getFileName() + TEMP_MARK + ProcessHandle.current().pid() + "-"
                + SEQUENCE.incrementAndGet() + ".tmp");
        return open(target, temp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ));
    }

    /**
     * Reopens the temp file {@code temp} a killed run left behind for {@code target}, to continue
     * writing at {@code length} bytes (everything after is dropped). Fails when there is no such temp
     * file or it is shorter.
     */
    public static AtomicOutput resume(Path target, Path temp, long length) {
        UserFiles.requireOutput(target);
        if (!isTempOf(target, temp)) {
            throw new QuarryDataException(temp, "temp file", temp.getFileName(), "a temp file of " + target);
        }
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
        AtomicOutput out = open(target, temp, EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.READ));
        try {
            out.channel.truncate(length);
            out.channel.position(length);
        } catch (IOException e) {
            out.close();
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The temp files of {@code target} now in its directory (left by killed runs, or being written). */
    public static List<Path> tempsOf(Path target) {
        Path dir = target.toAbsolutePath().getParent();
        List<Path> temps = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, target.getFileName() + "*.tmp")) {
            for (Path f : files) {
                if (isTempOf(target, f)) {
                    temps.add(target.resolveSibling(f.getFileName()));
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        temps.sort(null);
        return temps;
    }

    /**
     * Deletes the temp files of {@code target} except {@code keep}. Only a run holding the target's
     * {@link OutputLock} may call it: then no other run is writing them.
     */
    public static void deleteStaleTemps(Path target, List<Path> keep) {
        for (Path temp : tempsOf(target)) {
            boolean kept = false;
            for (Path k : keep) {
                kept |= k.toAbsolutePath().normalize().equals(temp.toAbsolutePath().normalize());
            }
            if (!kept) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // Left for the next run to try again.
                }
            }
        }
    }

    private static boolean isTempOf(Path target, Path file) {
        String name = file.getFileName().toString();
        String base = target.getFileName().toString();
        if (name.equals(base + ".tmp")) {
            return true; // the single temp name of earlier versions
        }
        return name.startsWith(base + TEMP_MARK) && name.substring(base.length() + TEMP_MARK.length())
                .matches("[0-9]+-[0-9]+\\.tmp");
    }

    private static AtomicOutput open(Path target, Path temp, Set<StandardOpenOption> options) {
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

    /** Appends all of {@code bytes} at the channel's position (a channel may write fewer per call). */
    public void writeFully(byte[] bytes) {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
        try {
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + temp, e);
        }
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
