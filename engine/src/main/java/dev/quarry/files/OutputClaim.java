package dev.quarry.files;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's claim on the files it writes, made before any work starts: every input is a readable
 * regular file; no output (nor any file written beside one) is an input or a file Quarry keeps beside
 * an input (ids, id caches, checksum caches), compared as real files: after symbolic links, and by
 * inode, so a hard link to an input is caught too; every output is locked for the whole run
 * ({@link OutputLock}), and the temp files that killed runs left for these outputs are deleted.
 *
 * <p>Build with {@link #builder()}, name the inputs and the outputs, then {@link Builder#claim()};
 * closing the claim releases the locks.
 */
public final class OutputClaim implements AutoCloseable {
    /** Files Quarry writes beside an input and reads back: they are part of the input. */
    private static final List<String> INPUT_SIDECARS = List.of(".ids", ".qidx", ".qsum");

    private final List<OutputLock> locks;

    private OutputClaim(List<OutputLock> locks) {
        this.locks = locks;
    }

    /** A claim with nothing named yet. */
    public static Builder builder() {
        return new Builder();
    }

    /** Releases every output's lock. */
    @Override
    public void close() {
        for (OutputLock lock : locks) {
            lock.close();
        }
    }

    /** Names a run's inputs and outputs. Not thread-safe. */
    public static final class Builder {
        private final Map<Path, String> inputs = new LinkedHashMap<>();
        private final List<Path> outputs = new ArrayList<>();
        private final List<Path> keepTemps = new ArrayList<>();
        private final List<Path> updated = new ArrayList<>();

        private Builder() {
        }

        /** An input, named by its field in messages ({@code corpus}, {@code qrels}...); null is ignored. */
        public Builder input(String field, Path file) {
            if (file != null) {
                inputs.putIfAbsent(file, field);
            }
            return this;
        }

        /** An output the run writes (each file of a multi-file output, and each summary or checkpoint). */
        public Builder output(Path file) {
            if (file != null && !outputs.contains(file)) {
                outputs.add(file);
            }
            return this;
        }

        /**
         * A file the run updates in place and shares with other processes (a negatives store): checked
         * like an output against the inputs and the outputs, but not locked, since other processes may
         * hold it open at the same time; null is ignored.
         */
        public Builder updated(Path file) {
            if (file != null && !updated.contains(file)) {
                updated.add(file);
            }
            return this;
        }

        /** Temp files a resumed run continues: not deleted as stale. */
        public Builder keepTemps(List<Path> temps) {
            keepTemps.addAll(temps);
            return this;
        }

        /** Checks everything, locks the outputs and deletes their stale temp files. */
        public OutputClaim claim() {
            for (Path in : inputs.keySet()) {
                UserFiles.requireInput(in);
            }
            for (Path out : outputs) {
                UserFiles.requireOutput(out);
                refuseIfAnInput(out);
            }
            for (Path shared : updated) {
                UserFiles.requireUpdatable(shared);
                refuseIfAnInput(shared);
                for (Path out : outputs) {
                    if (sameFile(out, shared)) {
                        throw new QuarryDataException(shared, "output", "also an output of the run (" + out + ")",
                                "a file that no other output of the run replaces");
                    }
                }
            }
            List<OutputLock> locks = new ArrayList<>();
            try {
                for (Path out : outputs) {
                    locks.add(OutputLock.acquire(out));
                }
                for (Path out : outputs) {
                    AtomicOutput.deleteStaleTemps(out, keepTemps);
                }
            } catch (RuntimeException e) {
                locks.forEach(OutputLock::close);
                throw e;
            }
            return new OutputClaim(locks);
        }

        private void refuseIfAnInput(Path out) {
            for (Map.Entry<Path, String> in : inputs.entrySet()) {
                refuseIfSame(out, in.getKey(), in.getValue(), "");
                for (String suffix : INPUT_SIDECARS) {
                    Path sidecar = in.getKey().resolveSibling(in.getKey().getFileName() + suffix);
                    refuseIfSame(out, sidecar, in.getValue(), suffix);
                }
            }
        }

        private static void refuseIfSame(Path output, Path input, String field, String sidecar) {
            if (sameFile(output, input)) {
                String what = sidecar.isEmpty() ? "the input " + field + " (" + input + ")"
                        : "the " + sidecar + " file Quarry keeps beside the input " + field + " (" + input + ")";
                throw new QuarryDataException(output, "output", "the same file as " + what,
                        "an output path that is not one of the run's inputs (writing it would destroy the input)");
            }
        }
    }

    /**
     * Refuses {@code output} when it is {@code input} (named by {@code field}) or a file Quarry keeps beside
     * it, as a claim does: for an input read before the run's claim (an options file).
     */
    public static void refuseIfInput(Path output, String field, Path input) {
        Builder check = new Builder().input(field, input);
        check.refuseIfAnInput(output);
    }

    /** Whether two paths name the same file, now or once the first is written. */
    static boolean sameFile(Path a, Path b) {
        Path ra = resolved(a);
        Path rb = resolved(b);
        if (ra.equals(rb)) {
            return true;
        }
        try {
            return Files.exists(ra) && Files.exists(rb) && Files.isSameFile(ra, rb);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The real path a write to {@code path} would reach: symbolic links followed, also when the
     * link's target does not exist yet.
     */
    static Path resolved(Path path) {
        Path p = path.toAbsolutePath().normalize();
        try {
            return p.toRealPath();
        } catch (NoSuchFileException absent) {
            try {
                for (int hops = 0; hops < 40 && Files.isSymbolicLink(p); hops++) {
                    p = p.resolveSibling(Files.readSymbolicLink(p)).toAbsolutePath().normalize();
                }
                Path parent = p.getParent();
                return parent == null ? p : parent.toRealPath().resolve(p.getFileName());
            } catch (IOException e) {
                return p;
            }
        } catch (IOException e) {
            return p;
        }
    }
}
