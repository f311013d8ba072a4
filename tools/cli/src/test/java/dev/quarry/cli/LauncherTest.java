package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code quarry} launcher explains what it looked for when no JDK 25 is installed. */
class LauncherTest {
    @TempDir
    Path dir;

    @Test
    void explainsWhereItLookedWhenNoJdk25Exists() throws IOException, InterruptedException {
        Path launcher = Path.of("..", "..", "quarry").toAbsolutePath().normalize();
        assertTrue(Files.isExecutable(launcher), "run from the tools module: " + launcher);
        // A java 17 first on PATH (as on a fresh machine), an old JDK in the JVM directory, no JAVA_HOME.
        Path old = dir.resolve("jvm/java-17-openjdk");
        fakeJava(old, "17.0.15");
        Path path = dir.resolve("path-java");
        fakeJava(path, "17.0.9");
        ProcessBuilder pb = new ProcessBuilder("bash", launcher.toString(), "--version");
        Map<String, String> env = pb.environment();
        env.remove("JAVA_HOME");
        env.remove("QUARRY_JAVA_HOME");
        env.put("PATH", path.resolve("bin") + ":/usr/bin:/bin");
        env.put("QUARRY_JVM_DIRS", dir.resolve("jvm").toString());
        pb.redirectErrorStream(true);
        Process process = pb.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, process.waitFor(), output);
        assertTrue(output.contains("no JDK 25 or newer found"), output);
        assertTrue(output.contains("JAVA_HOME: not set"), output);
        assertTrue(output.contains("java on PATH: " + path + " is Java 17"), output);
        assertTrue(output.contains(old + " is Java 17"), output);
        assertTrue(output.contains("QUARRY_JAVA_HOME"), output);
        assertTrue(output.contains("temurin-25-jdk"), output);
    }

    private static void fakeJava(Path home, String version) throws IOException {
        Path bin = Files.createDirectories(home.resolve("bin"));
        for (String tool : new String[] {"java", "javac"}) {
            Path file = bin.resolve(tool);
            Files.writeString(file, "#!/bin/sh\necho 'openjdk version \"" + version + "\" 2025-04-15' >&2\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
