package dev.quarry.files;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive claim on one output path, held for a whole run so that two runs never write the
 * same output: a second run fails at once and names the holder's process id. The claim is an
 * operating-system lock ({@code fcntl}) on {@code NAME.quarry.lock} beside the output; the kernel
 * drops it when the holder dies, even by {@code kill -9}, so a stale lock file never blocks anyone.
 *
 * <p>Two properties of {@code fcntl} locks shape this class. They belong to the process, and closing
 * <em>any</em> descriptor of the file drops them: so a process opens a lock file it holds only once,
 * and claims within one JVM are tracked here before any file is opened. And the lock file is deleted
 * on release, so a run may lock a file that was just unlinked: after locking, it checks that the
 * path still names the file it opened (same inode) and tries again otherwise.
 */
public final class OutputLock implements AutoCloseable {
    private static final Set<Path> HELD_BY_THIS_PROCESS = ConcurrentHashMap.newKeySet();

    private final Path output;
    private final Path lockFile;
    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private OutputLock(Path output, Path lockFile, Path key, FileChannel channel, FileLock lock) {
        this.output = output;
        this.lockFile = lockFile;
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock file of {@code output}. */
    public static Path lockFileOf(Path output) {
        return output.resolveSibling(output.getFileName() + ".quarry.lock");
    }

    /** Claims {@code output}; fails at once when another run (in this process or another) holds it. */
    public static OutputLock acquire(Path output) {
        Path lockFile = lockFileOf(output);
        Path key = OutputClaim.resolved(lockFile);
        if (!HELD_BY_THIS_PROCESS.add(key)) {
            throw held(output, lockFile, "another run in this process, pid " + ProcessHandle.current().pid());
        }
        try {
            return lockOnDisk(output, lockFile, key);
        } catch (RuntimeException | Error e) {
            HELD_BY_THIS_PROCESS.remove(key);
            throw e;
        }
    }

    private static OutputLock lockOnDisk(Path output, Path lockFile, Path key) {
        for (int attempt = 0; attempt < 100; attempt++) {
            FileChannel ch = null;
            try {
                Object inode = inode(lockFile);
                try {
                    ch = inode == null
                            ? FileChannel.open(lockFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                                    StandardOpenOption.READ)
                            : FileChannel.open(lockFile, StandardOpenOption.WRITE, StandardOpenOption.READ);
                } catch (FileAlreadyExistsException | NoSuchFileException raced) {
                    continue; // created or deleted by another run between the look and the open
                }
                if (inode == null) {
                    inode = inode(lockFile);
                }
                FileLock lock = ch.tryLock();
                if (lock == null) {
                    ch.close(); // this process holds no lock on the file: closing drops nothing
                    throw held(output, lockFile, holderOf(lockFile));
                }
                if (!Objects.equals(inode, inode(lockFile))) {
                    lock.release(); // the holder deleted the file we opened: try again on the new one
                    ch.close();
                    continue;
                }
                ByteBuffer pid = ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
                        .getBytes(StandardCharsets.US_ASCII));
                ch.truncate(0);
                while (pid.hasRemaining()) {
                    ch.write(pid, pid.position());
                }
                return new OutputLock(output, lockFile, key, ch, lock);
            } catch (IOException e) {
                closeQuietly(ch);
                throw new QuarryDataException(output, "output", "cannot create the lock file " + lockFile
                        + " (" + e.getMessage() + ")", "a writable directory", e);
            } catch (RuntimeException e) {
                closeQuietly(ch);
                throw e;
            }
        }
        throw new QuarryDataException(output, "output", "its lock file " + lockFile + " kept changing",
                "an output no other run is writing");
    }

    /** The output this lock claims. */
    public Path output() {
        return output;
    }

    /** Deletes the lock file, then releases the lock (in that order: see the class comment). */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(lockFile);
        } catch (IOException ignored) {
            // A leftover lock file is harmless: the next run locks it again.
        }
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel releases it too.
        }
        closeQuietly(channel);
        HELD_BY_THIS_PROCESS.remove(key);
    }

    private static QuarryDataException held(Path output, Path lockFile, String holder) {
        return new QuarryDataException(output, "output", "being written by another run (" + holder + ", lock "
                + lockFile.getFileName() + ")", "an output no other run is writing; wait for that run or choose"
                + " another output path");
    }

    /** The inode of {@code file} (or the platform's file key), or null when it does not exist. */
    private static Object inode(Path file) throws IOException {
        try {
            return Files.getAttribute(file, "unix:ino");
        } catch (NoSuchFileException e) {
            return null;
        } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
            return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        }
    }

    /** Who holds a lock file, from the pid it wrote (read by a process that holds no lock on it). */
    private static String holderOf(Path lockFile) {
        try {
            byte[] bytes = Files.readAllBytes(lockFile);
            String pid = new String(bytes, 0, Math.min(bytes.length, 32), StandardCharsets.US_ASCII).strip();
            return pid.matches("[0-9]+") ? "pid " + pid : "a process that has not yet written its id";
        } catch (IOException e) {
            return "a process that has just released it";
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Nothing left to do.
            }
        }
    }
}
