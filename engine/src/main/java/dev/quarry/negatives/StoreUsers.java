package dev.quarry.negatives;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The processes that have one store open, kept in {@code STORE.quarry-users} beside it, so that a store
 * a process left mid-write is recovered, and only when no other process is using it.
 *
 * <p>Chronicle Map keeps its segment locks in the mapped file. A process killed while writing leaves
 * its segment locked; every later access to that segment waits 60 s and fails, until
 * {@code recoverPersistedTo} repairs the file, which is safe only when no other process has the map
 * open. The users file answers both questions with two {@code fcntl} locks and a counter:
 * <ul>
 *   <li>byte 0, the gate: held exclusively while a process opens or closes the store, so opens,
 *       recoveries and closes of one store never overlap, across processes;</li>
 *   <li>byte 1, membership: held shared by every process that has the store open; a process that can
 *       lock it exclusively (under the gate) is alone. The kernel drops a dead process's locks;</li>
 *   <li>bytes 8..15, the count of processes that opened the store and did not close it. A process
 *       that is alone and finds a count above zero knows that one died with the store open, and
 *       recovers it; a clean close leaves zero, so a clean store opens without a scan.</li>
 * </ul>
 * A users file that is missing beside an existing store counts as unknown: the store is recovered.
 *
 * <p>{@code fcntl} locks belong to the process, and closing any descriptor of the file drops them, so a
 * process keeps one instance per store ({@link NegativesStore} shares it between opens). Not
 * thread-safe: the caller serializes.
 */
final class StoreUsers implements AutoCloseable {
    private static final long GATE = 0;
    private static final long MEMBERSHIP = 1;
    private static final long COUNT_OFFSET = 8;

    private final Path file;
    private final FileChannel channel;
    private final boolean created;
    private FileLock membership;

    private StoreUsers(Path file, FileChannel channel, boolean created) {
        this.file = file;
        this.channel = channel;
        this.created = created;
    }

    /** The users file of {@code store}. */
    static Path fileOf(Path store) {
        return store.resolveSibling(store.getFileName() + ".quarry-users");
    }

    /** Opens (or creates) the users file of {@code store}. */
    static StoreUsers open(Path store) {
        Path file = fileOf(store);
        try {
            try {
                return new StoreUsers(file, FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE),
                        false);
            } catch (NoSuchFileException absent) {
                return new StoreUsers(file, FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE), true);
            }
        } catch (IOException e) {
            throw new QuarryDataException(file, "file", "cannot be opened (" + e.getMessage() + ")",
                    "a writable file beside the store (it records which processes have the store open)", e);
        }
    }

    /** Waits for the gate (another process opening or closing the store); release it by closing the lock. */
    FileLock gate() throws IOException {
        return channel.lock(GATE, 1, false);
    }

    /** Whether no other process has the store open. Call with the gate held. */
    boolean alone() throws IOException {
        FileLock probe = channel.tryLock(MEMBERSHIP, 1, false);
        if (probe == null) {
            return false;
        }
        probe.release();
        return true;
    }

    /**
     * Processes that opened the store and did not close it, as recorded; -1 when nothing is recorded
     * (a users file created just now). Call with the gate held.
     */
    long count() throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (channel.read(buf, COUNT_OFFSET + buf.position()) < 0) {
                return -1;
            }
        }
        return buf.getLong(0);
    }

    /** Joins the users (shared membership lock) and records {@code count} processes. Call with the gate held. */
    void join(long count) throws IOException {
        membership = channel.lock(MEMBERSHIP, 1, true);
        writeCount(count);
    }

    /** Leaves the users: one process fewer recorded, membership released. Call with the gate held. */
    void leave() throws IOException {
        writeCount(Math.max(0, count() - 1));
        if (membership != null) {
            membership.release();
            membership = null;
        }
    }

    private void writeCount(long count) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, count);
        while (buf.hasRemaining()) {
            channel.write(buf, COUNT_OFFSET + buf.position());
        }
        channel.force(false);
    }

    /** The users file. */
    Path file() {
        return file;
    }

    /** Closes the file, dropping every lock this process holds on it. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing drops the locks whatever the outcome; nothing else is pending.
        }
    }

    /**
     * Closes the file, and deletes it when this open created it: an open refused (the path holds no store)
     * leaves nothing beside the file.
     */
    void abandon() {
        close();
        if (created) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // An empty users file is harmless: it only says that nobody has the store open.
            }
        }
    }
}
