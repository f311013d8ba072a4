package dev.quarry.testing;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The contract every parser of a user's file keeps, checked by the fuzz tests: it returns a result,
 * or throws {@link QuarryDataException} naming the file (or one of the files) it was given. Any other
 * exception or error escapes from here and is the fuzzer's finding.
 */
public final class ParserContract {
    private ParserContract() {
    }

    /** The parse's result, or null when it refused the input with a data error that names one of {@code files}. */
    public static <T> T resultOrDataError(Supplier<T> parse, Path... files) {
        try {
            return parse.get();
        } catch (QuarryDataException e) {
            String named = e.file();
            if (Arrays.stream(files).noneMatch(f -> f.toString().equals(named))) {
                throw new AssertionError("data error names " + named + ", expected one of "
                        + Arrays.toString(files) + ": " + e.getMessage(), e);
            }
            if (!e.getMessage().startsWith(named + ": ")) {
                throw new AssertionError("message does not start with the file: " + e.getMessage(), e);
            }
            return null;
        }
    }

    /** Writes {@code bytes} to {@code file}, replacing what was there. */
    public static Path write(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
