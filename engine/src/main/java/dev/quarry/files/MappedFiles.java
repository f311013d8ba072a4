package dev.quarry.files;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The files this process has mapped, with their sizes when mapped, so that a read of a mapped page the
 * file no longer has can be blamed on the right file. When another process cuts a file Quarry has mapped
 * (a trainer rewriting it in place, {@code truncate}), reading past the new end is a {@code SIGBUS}; in
 * code that reads through {@code Unsafe} or a memory segment the JVM turns it into an
 * {@link InternalError} ("a fault occurred in an unsafe memory access"), which {@link #explain} turns into
 * a {@link QuarryDataException} naming the file that is now shorter. Elsewhere (a checksum intrinsic, native
 * code) the JVM cannot, and dies. Thread-safe.
 */
public final class MappedFiles {
    private static final String FAULT = "a fault occurred in an unsafe memory access";
    private static final Map<Object, Mapping> MAPPED = new ConcurrentHashMap<>();

    private MappedFiles() {
    }

    /** A file mapped at a size. */
    private record Mapping(Path file, long size) {
    }

    /** Records that {@code file} is mapped at {@code size} bytes; pass the returned token to {@link #unmapped}. */
    public static Object mapped(Path file, long size) {
        Object token = new Object();
        MAPPED.put(token, new Mapping(file, size));
        return token;
    }

    /** Forgets a mapping {@link #mapped} recorded (null is ignored). */
    public static void unmapped(Object token) {
        if (token != null) {
            MAPPED.remove(token);
        }
    }

    /** Whether {@code e}, or one of its causes, is the JVM's error for a fault in a mapped page. */
    public static boolean isFault(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InternalError && String.valueOf(t.getMessage()).contains(FAULT)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The data error a fault in a mapped page stands for: the mapped file that is now shorter than when it
     * was mapped, named with both sizes; or, when none is (the file grew back meanwhile), the files mapped.
     */
    public static QuarryDataException explain(Throwable fault) {
        List<String> names = new ArrayList<>();
        for (Mapping m : MAPPED.values()) {
            names.add(String.valueOf(m.file()));
            long now;
            try {
                now = Files.size(m.file());
            } catch (IOException gone) {
                continue; // deleted: the mapping keeps the old file whole, so this is not the one
            }
            if (now < m.size()) {
                return new QuarryDataException(m.file(), "size", now + " bytes", m.size() + " bytes, its size when"
                        + " this run mapped it (the file was cut or rewritten in place while Quarry read it: write"
                        + " a new file and rename it over the old one, or wait until the run ends)", fault);
            }
        }
        return new QuarryDataException(names.isEmpty() ? "a mapped file" : String.join(", ", names), "read",
                "a fault in a mapped page", "files that stay whole while Quarry reads them (one was cut and has"
                        + " grown back since)", fault);
    }
}
