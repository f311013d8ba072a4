package dev.quarry.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the file system says about a file's identity and last change, used only to decide whether a
 * cached checksum may be reused: its real path, device and inode, size, modification time and
 * status-change time. The status-change time (ctime) is the part a user cannot set back: {@code touch -d}
 * restores an mtime, but every write (and every {@code touch}) moves the ctime to now, so a rewrite with
 * the same size and mtime still gets a new stamp; a copy or a rename onto the path is another inode.
 * Where the platform has no ctime the stamp never matches, and checksums are recomputed every time.
 *
 * <p>A file system keeps times at its own granularity: a clock tick (a few milliseconds) on most Linux
 * file systems before 6.13's fine-grained ctimes, up to two seconds on some. A write in the same tick as
 * the file's last change may keep its ctime, so a stamp stands for the content only once the file had
 * stood unchanged for {@link #SETTLED} when it was stamped ({@link #settled}); a cache keeps nothing for
 * a stamp that is not.
 *
 * @param text the stamp, comparable with {@link String#equals}
 * @param changedNanos the ctime, in nanoseconds since the epoch ({@link Long#MAX_VALUE} when unknown)
 * @param takenNanos the wall clock when the stamp was taken, in nanoseconds since the epoch
 */
public record FileStamp(String text, long changedNanos, long takenNanos) {
    /** How long a file must have stood unchanged when stamped for its stamp to stand for its content. */
    public static final Duration SETTLED = Duration.ofSeconds(2);

    /** The stamp of {@code file} now (symbolic links followed). */
    public static FileStamp of(Path file) throws IOException {
        long taken = nanos(Instant.now()); // before the attributes: a change meanwhile reads as not settled
        Path real = file.toRealPath();
        try {
            Map<String, Object> unix = Files.readAttributes(real, "unix:dev,ino,size,lastModifiedTime,ctime");
            Object ctime = unix.get("ctime");
            return new FileStamp("path=" + real + " dev=" + unix.get("dev") + " ino=" + unix.get("ino") + " size="
                    + unix.get("size") + " mtime=" + nanos(unix.get("lastModifiedTime")) + " ctime=" + nanos(ctime),
                    ctime instanceof FileTime t ? t.to(TimeUnit.NANOSECONDS) : Long.MAX_VALUE, taken);
        } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
            BasicFileAttributes basic = Files.readAttributes(real, BasicFileAttributes.class);
            // Without a ctime, size and mtime could be forged: make the stamp unique so nothing is reused.
            return new FileStamp("size=" + basic.size() + " unverifiable=" + System.nanoTime(), Long.MAX_VALUE, taken);
        }
    }

    /** The stamp of {@code file} now, or null when it cannot be taken (the caller then keeps nothing). */
    public static FileStamp orNull(Path file) {
        try {
            return of(file);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Whether the file had stood unchanged for {@link #SETTLED} when stamped: only then does every later write
     * give it another stamp, whatever its file system's time granularity.
     */
    public boolean settled() {
        return changedNanos != Long.MAX_VALUE && takenNanos - changedNanos >= SETTLED.toNanos();
    }

    /** Whether {@code other} names the same file in the same state (the times they were taken aside). */
    public boolean sameAs(FileStamp other) {
        return other != null && text.equals(other.text);
    }

    private static String nanos(Object time) {
        return time instanceof FileTime t ? Long.toString(t.to(TimeUnit.NANOSECONDS)) : String.valueOf(time);
    }

    private static long nanos(Instant now) {
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
