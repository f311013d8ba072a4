package dev.quarry.files;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A checksum Quarry computed by reading a whole file, kept with the file's {@link FileStamp} (real path,
 * device, inode, size, mtime, ctime) so that the next run needing it reads a few hundred bytes instead of
 * the file. An entry is used only while the stamp is unchanged: every write moves the ctime, which a user
 * cannot set back, and a copy or a rename onto the path is another inode. An entry is kept only when the
 * file had stood unchanged for {@link FileStamp#SETTLED} before it was stamped (a write within the same
 * tick of the file system's clock could keep its ctime) and still has the same stamp after it was read (a
 * change or a swap meanwhile keeps nothing). An entry that cannot be read, or was kept for another stamp,
 * is ignored, never trusted: the caller reads the whole file again. What it cannot see (a damaged disk
 * block, a clock set back) is written in docs/architecture.md.
 *
 * <p>Where: beside the file as {@code FILE.qsum} when its directory is writable and that name is free or
 * already one of these entries; otherwise (a read-only directory, a user's own file of that name, a
 * symbolic link there) in the user's cache, {@code $XDG_CACHE_HOME/quarry/checksums} or
 * {@code ~/.cache/quarry/checksums} (mode 700), named by a hash of the file's real path. A user's file is
 * never replaced. Entries are written to a temp file and renamed; every entry is safe to delete.
 *
 * <p>What the checksum covers, and any numbers kept with it, is the caller's: a store's rows and its
 * non-finite rows ({@code StoreContents}), or an index's body found to hold what its footer records
 * ({@link #checkBody}). Thread-safe.
 */
public final class ChecksumCache {
    private static final JsonFactory JSON = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();
    private static final int VERSION = 1;
    private static final String SUFFIX = ".qsum";

    private ChecksumCache() {
    }

    /**
     * What the cache holds for a file.
     *
     * @param checksum the checksum found when the file had the stamp the entry was written with
     * @param numbers other counts the caller kept with it, by name
     */
    public record Entry(long checksum, Map<String, Long> numbers) {
        /** Copies the numbers. */
        public Entry {
            numbers = Map.copyOf(numbers);
        }
    }

    /** An entry file as read: its stamp and what it holds. */
    private record Kept(String stamp, Entry entry) {
    }

    /** The entry beside {@code file}: {@code FILE.qsum}. */
    public static Path besideOf(Path file) {
        return file.resolveSibling(file.getFileName() + SUFFIX);
    }

    /** The entry of {@code file} in the user's cache directory; null when there is none to use. */
    static Path inUserCache(Path file) {
        Path dir = userCacheDir();
        if (dir == null) {
            return null;
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(file.toRealPath().toString()
                    .getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(hash) + SUFFIX);
        } catch (IOException | NoSuchAlgorithmException e) {
            return null;
        }
    }

    /** {@code $XDG_CACHE_HOME/quarry/checksums}, else {@code ~/.cache/quarry/checksums}; null without either. */
    static Path userCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        String home = System.getProperty("user.home");
        Path base = xdg != null && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                : home != null && !home.isBlank() ? Path.of(home, ".cache") : null;
        return base == null ? null : base.resolve("quarry").resolve("checksums");
    }

    /**
     * The entry kept for {@code file} when it had {@code stamp}; null when {@code stamp} is null, there is
     * none, it was kept for another stamp, or it cannot be read.
     */
    public static Entry read(Path file, FileStamp stamp) {
        if (stamp == null) {
            return null;
        }
        for (Path at : new Path[] {besideOf(file), inUserCache(file)}) {
            Kept kept = at == null ? null : parse(at);
            if (kept != null && stamp.text().equals(kept.stamp())) {
                return kept.entry();
            }
        }
        return null;
    }

    /**
     * Keeps {@code checksum} and {@code numbers} for {@code file} as it was at {@code stamp}, a stamp taken
     * before the file was opened and read: only when the stamp is {@linkplain FileStamp#settled settled} and
     * the file has it still. Best effort: an entry that cannot be written costs a read next time.
     */
    public static void write(Path file, FileStamp stamp, long checksum, Map<String, Long> numbers) {
        if (stamp == null || !stamp.settled() || !stamp.sameAs(FileStamp.orNull(file))) {
            return;
        }
        Path target = besideIfSafe(file);
        if (target == null) {
            target = inUserCache(file);
            if (target == null || !userCacheReady(target.getParent())) {
                return;
            }
        }
        try (AtomicOutput out = AtomicOutput.create(target)) {
            OutputStream stream = Channels.newOutputStream(out.channel());
            try (JsonGenerator g = JSON.createGenerator(stream, JsonEncoding.UTF8)) {
                g.useDefaultPrettyPrinter();
                g.writeStartObject();
                g.writeNumberField("version", VERSION);
                g.writeStringField("about", "Quarry's cache of what it checked in " + file.getFileName()
                        + "; safe to delete");
                g.writeStringField("stamp", stamp.text());
                g.writeStringField("checksum", ContentChecksum.hex(checksum));
                for (Map.Entry<String, Long> n : numbers.entrySet()) {
                    g.writeNumberField(n.getKey(), n.getValue());
                }
                g.writeEndObject();
            }
            out.commit();
        } catch (IOException | RuntimeException e) {
            // An entry that cannot be written costs a read next time, nothing more.
        }
    }

    /**
     * Checks that a file's body holds the checksum its footer records ({@link FileFormat#checkBody}),
     * computing it ({@code body}, a read of the whole body) unless an entry says that this file, with the
     * same stamp, was found to hold it; a check that passes is kept. Take {@code stamp} before opening the
     * file ({@link FileStamp#orNull}; null keeps and trusts nothing).
     *
     * @return whether the body was read
     */
    public static boolean checkBody(Path file, FileStamp stamp, long recorded, LongSupplier body, String what,
                                    String remedy) {
        Entry kept = read(file, stamp);
        if (kept != null && kept.checksum() == recorded) {
            return false;
        }
        FileFormat.checkBody(file, recorded, body.getAsLong(), what, remedy);
        write(file, stamp, recorded, Map.of());
        return true;
    }

    /** Deletes what is kept for {@code file} (call it before deleting the file: its real path names the entry). */
    public static void forget(Path file) {
        Path beside = besideOf(file);
        Path user = inUserCache(file);
        try {
            if (parse(beside) != null) {
                Files.deleteIfExists(beside);
            }
            if (user != null) {
                Files.deleteIfExists(user);
            }
        } catch (IOException e) {
            // An entry left behind costs disk only; it is never used for another file.
        }
    }

    /** {@code FILE.qsum} when its directory is writable and the name is free or one of these entries. */
    private static Path besideIfSafe(Path file) {
        Path beside = besideOf(file);
        Path dir = beside.toAbsolutePath().getParent();
        if (dir == null || !Files.isWritable(dir)) {
            return null;
        }
        if (!Files.exists(beside, LinkOption.NOFOLLOW_LINKS)) {
            return beside;
        }
        return Files.isRegularFile(beside, LinkOption.NOFOLLOW_LINKS) && parse(beside) != null ? beside : null;
    }

    /** Creates the user's cache directory (mode 700) if needed; whether it is a directory Quarry may write. */
    private static boolean userCacheReady(Path dir) {
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwx------")));
                } catch (UnsupportedOperationException noPosix) {
                    Files.createDirectories(dir);
                }
            }
            return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && Files.isWritable(dir);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** An entry file: null when it is missing, not a regular file, or not one of these entries. */
    private static Kept parse(Path at) {
        if (!Files.isRegularFile(at, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try (JsonParser p = JSON.createParser(at.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            int version = -1;
            String stamp = null;
            String checksum = null;
            Map<String, Long> numbers = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "version" -> version = t == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
                    case "stamp" -> stamp = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "checksum" -> checksum = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    default -> {
                        if (t == JsonToken.VALUE_NUMBER_INT) {
                            numbers.put(field, p.getLongValue());
                        } else {
                            p.skipChildren();
                        }
                    }
                }
            }
            if (version != VERSION || stamp == null || checksum == null || !checksum.matches("0x[0-9a-f]{16}")) {
                return null;
            }
            return new Kept(stamp, new Entry(Long.parseUnsignedLong(checksum.substring(2), 16), numbers));
        } catch (IOException | RuntimeException unreadable) {
            return null; // an entry that cannot be read is recomputed, never trusted
        }
    }
}
