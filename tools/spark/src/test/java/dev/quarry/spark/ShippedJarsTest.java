package dev.quarry.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an executor of a spark-mine run removes when it stops: the copies of the run's jars in its standalone
 * working directory, and nothing else (StandaloneClusterIT checks it on a real cluster).
 */
class ShippedJarsTest {
    private static final List<String> JARS = List.of("/opt/quarry/tools/cli/target/quarry.jar",
            "spark://127.0.0.1:40123/jars/quarry-spark.jar");

    @TempDir
    Path dir;

    private Path write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, "x");
    }

    @Test
    void removesTheRunsJarCopiesAndKeepsSparksLogsAndOtherFiles() throws IOException {
        Path executor = dir.resolve("work-1/app-20261206082134-0001/1");
        Path quarry = write(executor.resolve("quarry.jar"));
        Path spark = write(executor.resolve("quarry-spark.jar"));
        Path stderr = write(executor.resolve("stderr"));
        Path other = write(executor.resolve("other.jar"));
        List<Path> removed = ShippedJars.remove(executor, "app-20261206082134-0001", "1", JARS);
        assertEquals(List.of(quarry, spark), removed);
        assertFalse(Files.exists(quarry) || Files.exists(spark));
        assertTrue(Files.exists(stderr) && Files.exists(other), "Spark's log and a jar the run did not ship stay");
        assertEquals(List.of(), ShippedJars.remove(executor, "app-20261206082134-0001", "1", JARS), "idempotent");
    }

    @Test
    void touchesNothingOutsideThisExecutorsStandaloneDirectory() throws IOException {
        // A driver's or a user's directory, another application's, another executor's: the same names stay.
        for (Path d : List.of(dir.resolve("home/user"), dir.resolve("work-1/app-other/1"),
                dir.resolve("work-1/app-1/2"))) {
            Path jar = write(d.resolve("quarry.jar"));
            assertEquals(List.of(), ShippedJars.remove(d, "app-1", "1", JARS), d.toString());
            assertTrue(Files.exists(jar), d.toString());
        }
        assertEquals(List.of(), ShippedJars.remove(dir.resolve("work-1/app-1/1"), "", "", JARS),
                "no application id: nothing");
    }

    @Test
    void neverFollowsALinkNamedAsAJar() throws IOException {
        Path users = write(dir.resolve("home/user/quarry.jar"));
        Path executor = Files.createDirectories(dir.resolve("work-1/app-1/0"));
        Path link = Files.createSymbolicLink(executor.resolve("quarry.jar"), users);
        assertEquals(List.of(), ShippedJars.remove(executor, "app-1", "0", JARS));
        assertTrue(Files.exists(users) && Files.isSymbolicLink(link));
    }

    @Test
    void namesTheCopyAsSparkDoesFromAPathOrAnUri() {
        assertEquals("quarry.jar", ShippedJars.fileName("/a/b/quarry.jar"));
        assertEquals("quarry.jar", ShippedJars.fileName("file:/a/b/quarry.jar"));
        assertEquals("quarry-spark.jar", ShippedJars.fileName("spark://h:1/jars/quarry-spark.jar"));
        assertNull(ShippedJars.fileName(""));
        assertNull(ShippedJars.fileName("/a/b/"));
        assertNull(ShippedJars.fileName("/a/b/.."));
        assertNull(ShippedJars.fileName("/a/b/notes.txt"), "only jars");
    }
}
