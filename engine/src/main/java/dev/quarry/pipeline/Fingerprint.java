package dev.quarry.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a run's output depends on, as {@code key=value} lines: input files (path, size, modification
 * time), every option that changes a byte of output. A checkpoint stores it; {@code --resume} refuses
 * to continue a run whose fingerprint differs and names the first line that does. Thread counts are
 * not part of it: the output does not depend on them.
 */
public final class Fingerprint {
    private final List<String> lines = new ArrayList<>();

    /** Adds {@code key=value}. */
    public Fingerprint add(String key, Object value) {
        lines.add(key + "=" + value);
        return this;
    }

    /** Adds a file's identity (absolute path, size, modification time), or {@code none}. */
    public Fingerprint addFile(String key, Path file) {
        if (file == null) {
            return add(key, "none");
        }
        try {
            return add(key, file.toAbsolutePath().normalize() + " size=" + Files.size(file) + " mtime="
                    + Files.getLastModifiedTime(file).toMillis());
        } catch (IOException e) {
            return add(key, file.toAbsolutePath().normalize() + " (unreadable)");
        }
    }

    /** The lines, in order. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** The first difference with {@code other}, or null when they are equal. */
    public String firstDifference(List<String> other) {
        for (int i = 0; i < Math.max(lines.size(), other.size()); i++) {
            String mine = i < lines.size() ? lines.get(i) : "(nothing)";
            String theirs = i < other.size() ? other.get(i) : "(nothing)";
            if (!mine.equals(theirs)) {
                return "checkpoint has " + theirs + ", this run has " + mine;
            }
        }
        return null;
    }
}
