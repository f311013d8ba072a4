package dev.quarry.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Only {@code dev.quarry.vector.internal} may touch the incubating Vector API (checked at build time). */
class IncubatorConfinementTest {
    private static final Pattern IMPORT = Pattern.compile("(?m)^\\s*import\\s+(static\\s+)?jdk\\.incubator\\.vector");

    @Test
    void onlyVectorInternalImportsTheVectorApi() throws IOException {
        Path sources = Path.of("src/main/java");
        assertTrue(Files.isDirectory(sources), "run from the engine module directory");
        Path allowed = sources.resolve("dev/quarry/vector/internal");
        List<Path> offenders;
        try (Stream<Path> files = Files.walk(sources)) {
            offenders = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.startsWith(allowed))
                    .filter(IncubatorConfinementTest::importsVectorApi)
                    .toList();
        }
        assertEquals(List.of(), offenders);
        try (Stream<Path> files = Files.walk(allowed)) {
            assertTrue(files.filter(p -> p.toString().endsWith(".java")).anyMatch(IncubatorConfinementTest::importsVectorApi),
                    "the check itself still bites");
        }
    }

    private static boolean importsVectorApi(Path file) {
        try {
            return IMPORT.matcher(Files.readString(file)).find();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
