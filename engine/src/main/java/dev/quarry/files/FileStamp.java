package dev.quarry.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * What the file system says about a file's identity and last change, used only to decide whether a
 * cached checksum may be reused: device and inode, size, modification time and status-change time.
 * The status-change time (ctime) is the part a user cannot set back: {@code touch -d} restores an
 * mtime, but every write moves the ctime to now, so a rewrite with the same size and mtime still
 * gets a new stamp. Where the platform has no ctime the stamp never matches, and checksums are
 * recomputed every time.
 *
 * @param text the stamp, comparable with {@link String#equals}
 */
public record FileStamp(String text) {

    /** The stamp of {@code file} now (symbolic links followed). */
    public static FileStamp of(Path file) throws IOException {
        try {
            Map<String, Object> unix = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime");
            return new FileStamp("dev=" + unix.get("dev") + " ino=" + unix.get("ino") + " size=" + unix.get("size")
                    + " mtime=" + nanos(unix.get("lastModifiedTime")) + " ctime=" + nanos(unix.get("ctime")));
        } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
            BasicFileAttributes basic = Files.readAttributes(file, BasicFileAttributes.class);
            // Without a ctime, size and mtime could be forged: make the stamp unique so nothing is reused.
            return new FileStamp("size=" + basic.size() + " unverifiable=" + System.nanoTime());
        }
    }

    private static String nanos(Object time) {
        return time instanceof FileTime t ? Long.toString(t.to(java.util.concurrent.TimeUnit.NANOSECONDS))
                : String.valueOf(time);
    }
}
