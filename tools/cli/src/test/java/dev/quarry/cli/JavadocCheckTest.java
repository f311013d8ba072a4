package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tests' build ({@code ./quarry test}, that is {@code mvn verify}) fails on a broken javadoc link in a
 * published module, as the library build ({@code -Plibrary}) would: a module of one class under a copy of
 * the project's parent POM is built with a real Maven, so the check cannot pass by not running.
 */
class JavadocCheckTest {
    private static final Path ROOT = Path.of("..", "..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void aBrokenLinkInAPublishedModuleFailsTheTestsBuild() throws IOException, InterruptedException {
        Path root = Files.createDirectories(dir.resolve("root"));
        String parent = Files.readString(ROOT.resolve("pom.xml"));
        Files.writeString(root.resolve("pom.xml"), parent.replaceFirst("(?s)<modules>.*?</modules>",
                "<modules><module>fixture</module></modules>"));
        Path module = Files.createDirectories(root.resolve("fixture"));
        Files.writeString(module.resolve("pom.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <parent>
                    <groupId>dev.quarry</groupId>
                    <artifactId>quarry-parent</artifactId>
                    <version>%s</version>
                  </parent>
                  <artifactId>quarry-javadoc-fixture</artifactId>
                  <properties>
                    <quarry.javadoc.skip>false</quarry.javadoc.skip>
                  </properties>
                </project>
                """.formatted(version(parent)));
        Path source = Files.createDirectories(module.resolve("src/main/java/fixture"));
        Files.writeString(source.resolve("Documented.java"), """
                package fixture;

                /** Says where its work is done: {@link #absentMethod()}, which does not exist. */
                public final class Documented {
                    private Documented() {
                    }
                }
                """);

        // Offline: the build running this test has resolved every plugin the fixture's build takes (the engine's
        // javadoc check runs before this module's tests), and a test must not reach the network.
        List<String> command = new ArrayList<>(List.of("mvn", "-B", "-ntp", "-q", "-o"));
        String repo = System.getProperty("quarry.maven.repo", "");
        if (!repo.isEmpty() && !repo.startsWith("${")) {
            command.add("-Dmaven.repo.local=" + repo);
        }
        command.add("verify");
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("maven.log").toFile());
        // Maven's own JVM at C1 only: a short build spends much of its CPU in C2 otherwise (scripts/java-example.sh).
        pb.environment().put("MAVEN_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        Process maven = pb.start();
        assertTrue(maven.waitFor(5, TimeUnit.MINUTES), "mvn verify of the fixture did not finish in 5 minutes");
        String log = Files.readString(dir.resolve("maven.log"));
        assertNotEquals(0, maven.exitValue(), log);
        assertTrue(log.contains("Documented.java") && log.contains("reference not found"), log);
        assertTrue(log.contains("javadoc-check"), log); // the profile's execution, not another plugin, failed
    }

    @Test
    void thePublishedModulesAreChecked() throws IOException {
        // The modules a Java build depends on (README, "From Java"), whose javadoc jar -Plibrary makes.
        for (String module : List.of("engine", "tools/spark")) {
            String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
            assertTrue(pom.contains("<quarry.javadoc.skip>false</quarry.javadoc.skip>"), module);
        }
        String parent = Files.readString(ROOT.resolve("pom.xml"));
        assertTrue(parent.contains("<id>javadoc-check</id>") && parent.contains("<goal>javadoc-no-fork</goal>"),
                "the parent POM's javadoc-check profile");
    }

    private static String version(String pom) {
        Matcher m = Pattern.compile("<artifactId>quarry-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(pom);
        assertTrue(m.find(), "the parent POM's version");
        assertEquals(-1, m.group(1).indexOf('$'), m.group(1));
        return m.group(1);
    }
}
