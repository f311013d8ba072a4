package dev.quarry.files;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The checks every file a user names goes through before Quarry opens it. Inputs must be regular,
 * readable files: opening a FIFO for reading blocks until a writer appears (forever, in practice),
 * and a device is not data. Outputs must be regular files or absent, in an existing writable
 * directory: renaming a finished temp file over {@code /dev/null} or a FIFO would replace the
 * special file with a regular one.
 */
public final class UserFiles {
    private UserFiles() {
    }

    /** Checks that {@code file} is an existing, readable regular file (symbolic links followed). */
    public static void requireInput(Path file) {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new QuarryDataException(file, "file", "not found", "an existing, readable file", e);
        } catch (AccessDeniedException e) {
            throw new QuarryDataException(file, "file", "permission denied", "a readable file", e);
        } catch (IOException e) {
            throw new QuarryDataException(file, "file", "unreadable (" + e.getMessage() + ")", "a readable file", e);
        }
        if (!attrs.isRegularFile()) {
            throw new QuarryDataException(file, "file", kind(file, attrs), "a regular file (Quarry reads inputs"
                    + " from files, not from pipes, devices or directories)");
        }
        if (!Files.isReadable(file)) {
            throw new QuarryDataException(file, "file", "permission denied", "a readable file");
        }
    }

    /**
     * Checks that {@code target} can be written: its directory exists and is writable, and it is
     * absent or a writable regular file.
     */
    public static void requireOutput(Path target) {
        requireWritable(target, "a regular file or a new path (Quarry replaces outputs by renaming, which would replace"
                + " this special file)");
    }

    /**
     * Checks that {@code target} can be updated in place, as a file that stays where it is and is mapped
     * and changed by several processes (a negatives store): the same checks as {@link #requireOutput},
     * and an existing file must be readable too.
     */
    public static void requireUpdatable(Path target) {
        requireWritable(target, "a regular file or a new path (Quarry maps this file and updates it in place)");
        if (Files.isRegularFile(target) && !Files.isReadable(target)) {
            throw new QuarryDataException(target, "output", "an existing unreadable file", "a readable, writable file");
        }
    }

    private static void requireWritable(Path target, String expectedKind) {
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
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(absolute, BasicFileAttributes.class);
        } catch (NoSuchFileException absent) {
            if (Files.isSymbolicLink(absolute)) {
                throw new QuarryDataException(target, "output", "a symbolic link to a missing file",
                        "a regular file path");
            }
            return;
        } catch (IOException e) {
            throw new QuarryDataException(target, "output", "unreadable (" + e.getMessage() + ")",
                    "a writable file path", e);
        }
        if (!attrs.isRegularFile()) {
            throw new QuarryDataException(target, "output", kind(absolute, attrs), expectedKind);
        }
        if (!Files.isWritable(absolute)) {
            throw new QuarryDataException(target, "output", "an existing read-only file", "a writable file path");
        }
    }

    /** How a file that is not a regular file is named in messages: a directory, a FIFO, a device... */
    static String kind(Path file, BasicFileAttributes attrs) {
        if (attrs.isDirectory()) {
            return "a directory";
        }
        try {
            int mode = (Integer) Files.getAttribute(file, "unix:mode", new LinkOption[0]);
            return switch (mode & 0170000) {
                case 0010000 -> "a FIFO (named pipe)";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "not a regular file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "not a regular file";
        }
    }
}
