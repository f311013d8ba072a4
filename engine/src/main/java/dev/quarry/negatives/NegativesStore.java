package dev.quarry.negatives;

import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.files.UserFiles;
import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.hash.ChecksumEntry;
import net.openhft.chronicle.hash.ChronicleHashClosedException;
import net.openhft.chronicle.hash.ChronicleHashRecoveryFailedException;
import net.openhft.chronicle.hash.locks.InterProcessDeadLockException;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;

/**
 * Negatives by anchor id, in a file that several processes on one host share: persisted, off-heap,
 * mutable (a Chronicle Map). One process may write while others read, and several may write at once;
 * every call is thread-safe. A value is visible to every process as soon as {@link #put} returns.
 *
 * <p><b>Sizing.</b> A new store is sized for {@code expectedAnchors} (at least {@value #MIN_CAPACITY}) of
 * the typical entry, measured by Chronicle on a sample: an anchor id like {@code doc123456} (9 bytes)
 * and 8 negatives of such ids (138 bytes, see {@link NegativesCodec}); Chronicle then takes about 200
 * bytes per anchor on disk, 197 MB for a million, written out at creation (not sparse: a full disk
 * fails the open, not a later write). Bigger values take more of the same space, and a segment that
 * fills up takes extra tiers, up to a bloat factor of {@value #MAX_BLOAT}: a store holds about five
 * times the typical anchors it was sized for (fewer when values are larger), then {@link #put} fails
 * naming the file. An existing store keeps the size it was created with; {@code expectedAnchors} is
 * then ignored.
 *
 * <p><b>Crashes.</b> A process killed mid-write leaves its segment locked and, at worst, one entry
 * half written. The next process to open the store when no other process has it open recovers it
 * (Chronicle's {@code recoverPersistedTo}: locks reset, entries checked against their checksums), so
 * every completed {@code put} is still there; {@link StoreUsers} tells when recovery is needed and
 * safe. Processes that keep the store open meanwhile fail on the locked segment after 60 s (a
 * {@link QuarryDataException} saying so) until all have closed it.
 *
 * <p><b>Format.</b> The file's header records the value layout and its version
 * ({@code !QuarryNegatives { formatVersion: 1 }}, see {@link StoreHeader}); a file that is not a
 * store, or a store of another version, is refused at open with a {@link QuarryDataException} naming
 * the file. Beside the store lives {@code STORE.quarry-users} (see {@link StoreUsers}).
 *
 * <p>Opening takes seconds the first time in a process (Chronicle generates classes): only code that
 * uses a store should load this class. Opens of one file within a process share one map; each handle
 * is closed on its own, and calls on a closed handle throw {@link IllegalStateException}.
 */
public final class NegativesStore implements AutoCloseable {
    /** The fewest anchors a store is sized for: smaller maps have segment tiers too small for a large value. */
    public static final long MIN_CAPACITY = 1_000;

    /** The most anchors a store may be sized for (about 200 GB on disk). */
    public static final long MAX_CAPACITY = 1_000_000_000L;

    /** How far the map may grow past its sizing with extra segment tiers; Chronicle advises at most 10. */
    static final double MAX_BLOAT = 4.0;

    /** The typical anchor and negative id, from which the typical entry is measured. */
    private static final String TYPICAL_ID = "doc123456";

    /** Negatives of the typical entry. */
    private static final int TYPICAL_NEGATIVES = 8;

    private static final Map<Path, Shared> OPEN = new HashMap<>();

    static {
        quietLoggingWithoutABinding();
    }

    private final Shared shared;
    private final AtomicBoolean closed = new AtomicBoolean();

    private NegativesStore(Shared shared) {
        this.shared = shared;
    }

    /**
     * Opens the store at {@code file}, creating it when the path is new or an empty file, and recovering
     * it when a process died with it open and no other process has it open now.
     *
     * @param file the store (a new path, an empty file, or a store)
     * @param expectedAnchors anchors a new store is sized for (see the class comment); ignored for an
     *                        existing store
     * @throws QuarryUsageException when {@code expectedAnchors} is out of range
     * @throws QuarryDataException when the path cannot hold a store, or the file is not one this code reads
     */
    public static NegativesStore open(Path file, long expectedAnchors) {
        if (expectedAnchors < 1 || expectedAnchors > MAX_CAPACITY) {
            throw new QuarryUsageException("expectedAnchors", expectedAnchors, ">= 1 and <= " + MAX_CAPACITY);
        }
        UserFiles.requireUpdatable(file);
        Path key = identity(file);
        synchronized (OPEN) {
            Shared shared = OPEN.get(key);
            if (shared == null) {
                shared = Shared.open(file, key, Math.max(MIN_CAPACITY, expectedAnchors));
                OPEN.put(key, shared);
            }
            shared.handles++;
            return new NegativesStore(shared);
        }
    }

    /**
     * Stores the negatives of {@code anchorId}, replacing any it had.
     *
     * @throws QuarryUsageException when the anchor id is out of bounds (see {@link StoredNegatives})
     * @throws QuarryDataException when the store is full or damaged
     */
    public void put(String anchorId, StoredNegatives negatives) {
        StoredNegatives.checkedUtf8Length("anchorId", anchorId);
        if (negatives == null) {
            throw new QuarryUsageException("negatives", "null", "the negatives of anchor '" + anchorId + "'");
        }
        ChronicleMap<String, StoredNegatives> map = map();
        try {
            map.put(anchorId, negatives);
        } catch (RuntimeException e) {
            throw translate(e, anchorId);
        }
    }

    /**
     * The negatives of {@code anchorId}, or null when the store has none. The entry's checksum (Chronicle's,
     * over its key and value, written by every put) is checked first: a damaged entry is a
     * {@link QuarryDataException} naming the anchor, never negatives it was not given.
     */
    public StoredNegatives get(String anchorId) {
        StoredNegatives.checkedUtf8Length("anchorId", anchorId);
        ChronicleMap<String, StoredNegatives> map = map();
        try (ExternalMapQueryContext<String, StoredNegatives, ?> context = map.queryContext(anchorId)) {
            context.updateLock().lock(); // checkSum() takes it: taken first, as a read lock cannot be upgraded
            MapEntry<String, StoredNegatives> entry = context.entry();
            if (entry == null) {
                return null;
            }
            if (!((ChecksumEntry) entry).checkSum()) {
                throw new NegativesCodec.CorruptEntryException("bytes that do not match the entry's checksum");
            }
            return entry.value().get();
        } catch (RuntimeException e) {
            RuntimeException known = translate(e, anchorId);
            if (known != e || e instanceof QuarryUsageException) {
                throw known;
            }
            // Bytes damaged where Chronicle keeps an entry's sizes make it fail in its own ways.
            throw translate(new NegativesCodec.CorruptEntryException("unreadable (" + e + ")"), anchorId);
        }
    }

    /** The negatives of each of {@code anchorIds} that has some, in the order given (absent ones left out). */
    public Map<String, StoredNegatives> getAll(Collection<String> anchorIds) {
        Map<String, StoredNegatives> found = new LinkedHashMap<>();
        for (String id : anchorIds) {
            StoredNegatives n = get(id);
            if (n != null) {
                found.put(id, n);
            }
        }
        return found;
    }

    /** Anchors in the store, as every process sees it now. */
    public long size() {
        ChronicleMap<String, StoredNegatives> map = map();
        try {
            return map.longSize();
        } catch (RuntimeException e) {
            throw translate(e, null);
        }
    }

    /** The store's file, as given to the open that created this process's map. */
    public Path file() {
        return shared.file;
    }

    /** Whether this process's open recovered the store (a process had died with it open). */
    public boolean recovered() {
        return shared.recovery != null;
    }

    /**
     * What this process's open recovered, in a sentence: {@code recovered after a process died with it open:
     * kept 9,998 entries (10,000 when Quarry last opened or closed it; 2 damaged or half-written dropped)}; null
     * when it did not recover the store.
     */
    public String recovery() {
        return shared.recovery;
    }

    /** Entries or structures the recovery found damaged and dropped or repaired (0 when not recovered). */
    public long corruptionsRepaired() {
        return shared.corruptions;
    }

    /** Closes this handle; the last handle of the process closes the map and leaves the store's users. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (OPEN) {
            if (--shared.handles > 0) {
                return;
            }
            OPEN.remove(shared.key);
            shared.close();
        }
    }

    private ChronicleMap<String, StoredNegatives> map() {
        if (closed.get()) {
            throw new IllegalStateException("the negatives store " + shared.file + " is closed");
        }
        return shared.map;
    }

    private RuntimeException translate(RuntimeException e, String anchorId) {
        Path file = shared.file;
        String anchor = anchorId == null ? "" : " of anchor '" + QuarryDataException.printable(anchorId) + "'";
        return switch (e) {
            case NegativesCodec.CorruptEntryException corrupt -> new QuarryDataException(file, "entry" + anchor,
                    corrupt.getMessage(), "an entry as NegativesStore writes it (the store is damaged: put the"
                            + " anchor's negatives again, mining it again, to replace the entry)", corrupt);
            case InterProcessDeadLockException dead -> new QuarryDataException(file, "lock" + anchor,
                    "not released in time", "a segment lock released (a process holding it died or hangs): close every"
                            + " process that has this store open, and the next open recovers it", dead);
            case ChronicleHashClosedException closedMap -> new IllegalStateException(
                    "the negatives store " + file + " is closed", closedMap);
            case IllegalStateException full when String.valueOf(full.getMessage()).contains("extra segment tier") ->
                    new QuarryDataException(file, "entries", shared.map.longSize() + " anchors", "room for another"
                            + " entry: the store is full (it holds about five times the anchors it was sized for,"
                            + " fewer with more than 8 negatives each); write to a new store sized for more anchors",
                            full);
            case IllegalArgumentException tooLarge when String.valueOf(tooLarge.getMessage()).contains("too large") ->
                    new QuarryUsageException("negatives", "an entry too large for a segment of " + file + anchor,
                            "fewer or shorter ids (" + tooLarge.getMessage() + ")");
            default -> e;
        };
    }

    /**
     * Chronicle logs through SLF4J; a process with no SLF4J binding (the command line) would print three
     * lines of SLF4J's warning on stderr at the first open. There, SLF4J's own no-op provider is chosen
     * explicitly (and SLF4J's note that it was chosen kept quiet); a process with a binding (the server
     * logs through java.util.logging) keeps it.
     */
    private static void quietLoggingWithoutABinding() {
        if (System.getProperty("slf4j.provider") == null && java.util.ServiceLoader.load(
                org.slf4j.spi.SLF4JServiceProvider.class, NegativesStore.class.getClassLoader()).findFirst().isEmpty()) {
            System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
            if (System.getProperty("slf4j.internal.verbosity") == null) {
                System.setProperty("slf4j.internal.verbosity", "WARN");
            }
        }
    }

    /** The path that names the same file whatever the spelling (links followed), for sharing opens. */
    private static Path identity(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        try {
            return Files.exists(absolute) ? absolute.toRealPath() : absolute.getParent().toRealPath()
                    .resolve(absolute.getFileName());
        } catch (IOException e) {
            return absolute;
        }
    }

    /** The builder of a store's map: sizing for a new store, and the value layout. */
    private static ChronicleMapBuilder<String, StoredNegatives> builder(Path file, long capacity) {
        String[] ids = new String[TYPICAL_NEGATIVES];
        java.util.Arrays.fill(ids, TYPICAL_ID);
        StoredNegatives typical = new StoredNegatives(ids, new float[TYPICAL_NEGATIVES], 0, 0);
        return ChronicleMap.of(String.class, StoredNegatives.class)
                .name(file.getFileName().toString())
                .valueMarshaller(new NegativesCodec())
                .entries(capacity)
                .averageKey(TYPICAL_ID)
                .averageValue(typical)
                .maxBloatFactor(MAX_BLOAT)
                .checksumEntries(true)
                .putReturnsNull(true)
                .removeReturnsNull(true);
    }

    /** One process's map of one store, shared by every handle the process opened on it. */
    private static final class Shared {
        final Path file;
        final Path key;
        final ChronicleMap<String, StoredNegatives> map;
        final StoreUsers users;
        final String recovery;
        final long corruptions;
        int handles;

        private Shared(Path file, Path key, ChronicleMap<String, StoredNegatives> map, StoreUsers users,
                       String recovery, long corruptions) {
            this.file = file;
            this.key = key;
            this.map = map;
            this.users = users;
            this.recovery = recovery;
            this.corruptions = corruptions;
        }

        /**
         * Opens, creates or recovers the map, with the gate held, and joins the store's users. A store shorter
         * than its record says, or one that opens clean with other entries than it was closed with, is refused
         * with the numbers before anything is written to it: recovering it would extend the file with zeros
         * and keep what is left as if nothing had been lost.
         */
        static Shared open(Path file, Path key, long capacity) {
            StoreUsers users = StoreUsers.open(file);
            ChronicleMap<String, StoredNegatives> map = null;
            try (FileLock gate = users.gate()) {
                boolean alone = users.alone();
                StoreUsers.Record record = users.record();
                long size = Files.exists(file) ? Files.size(file) : 0;
                StoreHeader.State state = StoreHeader.check(file, size);
                if (state != StoreHeader.State.NEW && size < record.size()) {
                    throw new QuarryDataException(file, "size", size + " bytes", "at least " + record.size()
                            + " bytes, its size when Quarry last opened or closed it, holding " + record.entries()
                            + " entries (the file was cut: restore it, or mine into a new store; if it was replaced"
                            + " by an older copy on purpose, delete " + users.file().getFileName() + ")");
                }
                boolean recover = state != StoreHeader.State.NEW && alone && record.users() != 0;
                if (state == StoreHeader.State.NOT_READY && !recover) {
                    throw new QuarryDataException(file, "header", "not ready (a process died creating or recovering"
                            + " it)", "a ready store: close every process that has it open, and the next open"
                            + " recovers it");
                }
                AtomicLong corruptions = new AtomicLong();
                ChronicleMapBuilder<String, StoredNegatives> builder = builder(file, capacity);
                if (recover && state == StoreHeader.State.READY) {
                    // Opening checks the file's length against its header; recovery would not, and would extend it.
                    builder.createPersistedTo(file.toFile()).close();
                }
                map = recover ? builder.recoverPersistedTo(file.toFile(), false, c -> corruptions.incrementAndGet())
                        : builder.createPersistedTo(file.toFile());
                long entries = map.longSize();
                if (!recover && alone && record.users() == 0 && record.entries() >= 0 && entries != record.entries()) {
                    throw new QuarryDataException(file, "entries", entries, record.entries() + ", the entries it held"
                            + " when Quarry last closed it, and no process has opened it since (the file was changed"
                            + " or damaged: restore it, or mine into a new store; if it was replaced by an older copy"
                            + " on purpose, delete " + users.file().getFileName() + ")");
                }
                users.join(alone ? 1 : Math.max(0, record.users()) + 1, entries, Files.size(file));
                String recovery = recover ? String.format(Locale.ROOT, "recovered after a process died with it open:"
                        + " kept %,d entries (%s when Quarry last opened or closed it; %,d damaged or half-written"
                        + " dropped)", entries, record.entries() < 0 ? "unknown" : String.format(Locale.ROOT, "%,d",
                        record.entries()), corruptions.get()) : null;
                return new Shared(file, key, map, users, recovery, corruptions.get());
            } catch (IOException | ChronicleHashRecoveryFailedException e) {
                closeQuietly(map, users);
                throw new QuarryDataException(file, "file", "cannot be opened as a store", "a negatives store as"
                        + " Chronicle Map wrote it, an empty file or a new path (" + e.getMessage() + ")", e);
            } catch (RuntimeException | Error e) {
                closeQuietly(map, users);
                throw e;
            }
        }

        private static void closeQuietly(ChronicleMap<?, ?> map, StoreUsers users) {
            if (map != null) {
                map.close();
            }
            users.abandon();
        }

        /** Closes the map and leaves the users, recording its entries and size, with the gate held. */
        void close() {
            try (FileLock gate = users.gate()) {
                long entries = map.longSize();
                map.close();
                users.leave(entries, Files.size(file));
            } catch (IOException e) {
                // The map is closed or will be at exit; the users file counts this process as a user, so the
                // next open alone recovers the store: safe, only slower.
            } finally {
                users.close();
            }
        }
    }
}
