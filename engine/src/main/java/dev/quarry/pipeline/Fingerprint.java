package dev.quarry.pipeline;

import dev.quarry.files.ContentChecksum;
import dev.quarry.store.VectorStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a run's output depends on, as {@code key=value} lines: the content of every input (a store by
 * the checksum of its rows, any other file by the size and checksum of its bytes: never by modification
 * time, which a rewrite can keep) and every option that changes a byte of output. A file is named by
 * its real path (symbolic links and {@code ..} resolved), so one file reached through a link or from
 * another working directory is the same input, and a link retargeted at another file is not. A
 * checkpoint stores it; {@code --resume} refuses to continue a run whose fingerprint differs and
 * names the first line that does. Thread counts are not part of it: the output does not depend on
 * them.
 */
public final class Fingerprint {
    private final List<String> lines = new ArrayList<>();

    /** Adds {@code key=value}. */
    public Fingerprint add(String key, Object value) {
        lines.add(key + "=" + value);
        return this;
    }

    /** Adds a file by its real path and the size and checksum of its bytes, or {@code none}. */
    public Fingerprint addFile(String key, Path file) {
        if (file == null) {
            return add(key, "none");
        }
        return addContent(key, file, ContentChecksum.of(file));
    }

    /** Adds a file by its real path and {@code content}, the checksum of the bytes a run read from it. */
    public Fingerprint addContent(String key, Path file, ContentChecksum content) {
        return add(key, realPath(file) + " size=" + content.length() + " checksum=" + ContentChecksum.hex(
                content.value()));
    }

    /** Adds a store by its real path, its shape and the checksum of its rows, or {@code none}. */
    public Fingerprint addStore(String key, VectorStore store) {
        if (store == null) {
            return add(key, "none");
        }
        return add(key, realPath(store.path()) + " " + store.count() + " x " + store.dim() + " rows checksum="
                + store.content(null).checksumHex());
    }

    /** The file's path with every link resolved; its absolute path when it cannot be resolved (it is gone). */
    private static String realPath(Path file) {
        try {
            return file.toRealPath().toString();
        } catch (IOException gone) {
            return file.toAbsolutePath().normalize().toString();
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
