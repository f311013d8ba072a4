package dev.quarry.negatives;

import dev.quarry.QuarryDataException;
import dev.quarry.files.FileFormat;
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
 * The processes that have one store open, and what the store held when Quarry last opened or closed it,
 * kept in {@code STORE.quarry-users} beside it: so that a store a process left mid-write is recovered,
 * and only when no other process is using it, and a store that lost entries or bytes since is refused.
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
 *   <li>the record (a {@link FileFormat} header, little-endian): magic {@code QNSU}, version 1 (u16),
 *       zero (u16); at 8, the count of processes that opened the store and did not close it (u64); at
 *       16, the store's entries and at 24 its size in bytes (u64 each, -1 when unknown) when a process
 *       last opened or closed it; at 32 the CRC32C of bytes 0..31. A process that is alone and finds a
 *       count above zero knows that one died with the store open, and recovers it; a clean close
 *       leaves zero, so a clean store opens without a scan. The store's file only grows (Chronicle adds
 *       tiers, never removes them), so a file shorter than the recorded size was cut.</li>
 * </ul>
 * A users file that is missing beside an existing store counts as unknown: the store is recovered. One
 * written before the record (zeros, then the count at 8) is read as a count with an unknown record.
 *
 * <p>{@code fcntl} locks belong to the process, and closing any descriptor of the file drops them, so a
 * process keeps one instance per store ({@link NegativesStore} shares it between opens). Not
 * thread-safe: the caller serializes.
 */
final class StoreUsers implements AutoCloseable {
    private static final long GATE = 0;
    private static final long MEMBERSHIP = 1;
    private static final int RECORD_BYTES = 64;
    private static final FileFormat FORMAT = new FileFormat("QNSU", "a negatives store's users file", 1, 1, 32,
            RECORD_BYTES);

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
     * What the users file records: the processes that opened the store and did not close it (-1 when
     * nothing is recorded: a users file created just now), and the store's entries and size when a process
     * last opened or closed it (-1 when unknown). Call with the gate held.
     */
    Record record() throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(RECORD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining() && channel.read(buf, buf.position()) > 0) {
            // read what there is
        }
        buf.flip();
        if (buf.remaining() < 16) {
            return Record.UNKNOWN;
        }
        if (buf.getInt(0) == 0) { // written before the record: the count alone
            return new Record(buf.getLong(8), -1, -1);
        }
        ByteBuffer header;
        try {
            header = FORMAT.readHeader(file, buf, "delete it when no process has the store open").bytes();
        } catch (QuarryDataException damaged) {
            throw new QuarryDataException(file, "record", "damaged (" + damaged.detail() + ")", "a users file as"
                    + " NegativesStore writes it: delete it when no process has the store open, and the next open"
                    + " recovers the store, checking every entry", damaged);
        }
        return new Record(header.getLong(8), header.getLong(16), header.getLong(24));
    }

    /** Joins the users (shared membership lock) and records {@code count} processes. Call with the gate held. */
    void join(long count, long entries, long size) throws IOException {
        membership = channel.lock(MEMBERSHIP, 1, true);
        write(new Record(count, entries, size));
    }

    /** Leaves the users: one process fewer recorded, membership released. Call with the gate held. */
    void leave(long entries, long size) throws IOException {
        write(new Record(Math.max(0, record().users() - 1), entries, size));
        if (membership != null) {
            membership.release();
            membership = null;
        }
    }

    private void write(Record record) throws IOException {
        ByteBuffer buf = FORMAT.sealHeader(FORMAT.startHeader().putShort((short) 0).putLong(record.users())
                .putLong(record.entries()).putLong(record.size()));
        while (buf.hasRemaining()) {
            channel.write(buf, buf.position());
        }
        channel.force(false);
    }

    /**
     * A users file's record.
     *
     * @param users processes that opened the store and did not close it, -1 when unknown
     * @param entries the store's entries when a process last opened or closed it, -1 when unknown
     * @param size the store file's size then, in bytes, -1 when unknown
     */
    record Record(long users, long entries, long size) {
        static final Record UNKNOWN = new Record(-1, -1, -1);
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
