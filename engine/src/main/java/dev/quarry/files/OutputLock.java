package dev.quarry.files;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An exclusive claim on one output path, held for a whole run so that two runs never write the
 * same output: a second run fails at once and names the holder's process id. The claim is an
 * operating-system lock ({@code fcntl}) on {@code NAME.quarry.lock} beside the output; the kernel
 * drops it when the holder dies, even by {@code kill -9}, so a stale lock file never blocks anyone.
 *
 * <p>The lock file is deleted on release. A run that opened the file just before the holder deleted
 * it would lock a file no longer in the directory; so after locking, the run reads the path back and
 * checks that it holds the file the path names (by a token it wrote), and retries otherwise.
 */
public final class OutputLock implements AutoCloseable {
    private final Path output;
    private final Path lockFile;
    private final FileChannel channel;
    private final FileLock lock;

    private OutputLock(Path output, Path lockFile, FileChannel channel, FileLock lock) {
        this.output = output;
        this.lockFile = lockFile;
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock file of {@code output}. */
    public static Path lockFileOf(Path output) {
        return output.resolveSibling(output.getFileName() + ".quarry.lock");
    }

    /** Claims {@code output}; fails at once when another run (or this one) holds it. */
    public static OutputLock acquire(Path output) {
        Path lockFile = lockFileOf(output);
        for (int attempt = 0; attempt < 100; attempt++) {
            FileChannel ch = null;
            try {
                ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.READ);
                FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException sameProcess) {
                    lock = null;
                }
                if (lock == null) {
                    String holder = holderOf(lockFile);
                    ch.close();
                    throw new QuarryDataException(output, "output", "being written by another run (" + holder
                            + ", lock " + lockFile.getFileName() + ")", "an output no other run is writing; wait"
                            + " for that run or choose another --output");
                }
                String token = ProcessHandle.current().pid() + " " + Long.toHexString(
                        ThreadLocalRandom.current().nextLong()) + "\n";
                ch.truncate(0);
                ByteBuffer bytes = ByteBuffer.wrap(token.getBytes(StandardCharsets.US_ASCII));
                while (bytes.hasRemaining()) {
                    ch.write(bytes, bytes.position());
                }
                ch.force(false);
                if (token.equals(readQuietly(lockFile))) {
                    return new OutputLock(output, lockFile, ch, lock);
                }
                lock.release(); // the holder deleted the file we opened: try again on the new one
                ch.close();
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
    }

    private static String holderOf(Path lockFile) {
        String text = readQuietly(lockFile);
        if (text == null || text.isBlank()) {
            return "a process that has not yet written its id";
        }
        String pid = text.strip().split(" ", 2)[0];
        return pid.equals(Long.toString(ProcessHandle.current().pid())) ? "this process, pid " + pid : "pid " + pid;
    }

    private static String readQuietly(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            return bytes.length > 200 ? null : new String(bytes, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;
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
