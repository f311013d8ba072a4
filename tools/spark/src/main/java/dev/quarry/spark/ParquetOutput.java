package dev.quarry.spark;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A Parquet output directory written the way Quarry writes every output: Spark writes into a temp directory
 * beside the target ({@code NAME.quarry-PID-N.tmp}), and only a run that completed renames it into place, so
 * a run killed at any moment leaves the previous output as it was. An existing target is replaced only when
 * it is a Parquet directory a run wrote (it holds {@code _SUCCESS}); anything else there is refused, never
 * deleted. Temp directories of runs that are no longer alive are deleted at the start.
 */
final class ParquetOutput {
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final String TEMP_MARK = ".quarry-";

    private final Path target;
    private final Path temp;

    private ParquetOutput(Path target, Path temp) {
        this.target = target;
        this.temp = temp;
    }

    /** Checks the target, deletes dead runs' temp directories and names this run's. */
    static ParquetOutput create(Path target, List<Path> inputs) {
        Path absolute = target.toAbsolutePath().normalize();
        Path dir = absolute.getParent();
        if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new QuarryDataException(target, "output", "directory " + dir + " does not exist or is not writable",
                    "a path in a writable directory");
        }
        if (Files.exists(absolute) && !(Files.isDirectory(absolute) && Files.exists(absolute.resolve("_SUCCESS")))) {
            throw new QuarryDataException(target, "output", Files.isDirectory(absolute)
                    ? "a directory that is not a Parquet output" : "an existing file",
                    "a new path, or a Parquet directory a previous run wrote (replaced when this run succeeds)");
        }
        for (Path in : inputs) {
            if (in != null && in.toAbsolutePath().normalize().startsWith(absolute)) {
                throw new QuarryDataException(target, "output", "the directory holding the input " + in,
                        "an output path that holds none of the run's inputs (replacing it would delete them)");
            }
        }
        deleteDeadTemps(absolute);
        return new ParquetOutput(absolute, absolute.resolveSibling(absolute.getFileName() + TEMP_MARK
                + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet() + ".tmp"));
    }

    /** Where Spark writes. */
    Path temp() {
        return temp;
    }

    Path target() {
        return target;
    }

    /** Puts the written directory in place of the target (the previous output is deleted after). */
    void commit() {
        try {
            Path old = null;
            if (Files.exists(target)) {
                old = target.resolveSibling(target.getFileName() + TEMP_MARK + ProcessHandle.current().pid() + "-"
                        + SEQUENCE.incrementAndGet() + ".old.tmp");
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            if (old != null) {
                deleteTree(old);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + temp + " to " + target, e);
        }
    }

    /**
     * Deletes this run's temp directory (a failed run). Tasks of the failed job that Spark is still killing
     * may create files in it meanwhile, so the deletion is retried for a few seconds.
     */
    void abandon() {
        for (int attempt = 0; attempt < 50 && Files.exists(temp); attempt++) {
            try {
                deleteTree(temp);
            } catch (IOException | UncheckedIOException retry) {
                LockSupport.parkNanos(200_000_000L);
            }
        }
    }

    private static void deleteDeadTemps(Path target) {
        String prefix = target.getFileName() + TEMP_MARK;
        try (Stream<Path> siblings = Files.list(target.getParent())) {
            for (Path p : siblings.toList()) {
                String name = p.getFileName().toString();
                if (!name.startsWith(prefix) || !name.endsWith(".tmp")) {
                    continue;
                }
                String rest = name.substring(prefix.length());
                int dash = rest.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(rest.substring(0, Math.max(0, dash)));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                deleteTree(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + target.getParent(), e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
