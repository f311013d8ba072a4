package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code quarry} launcher explains what it looked for when no JDK 25 is installed, and says which JDK
 * it chose where it matters (building, testing, {@code --version}).
 */
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

    @Test
    void namesTheJdkItBuildsAndTestsWith() throws IOException, InterruptedException {
        // A copy of the launcher in a root of its own (its build writes there), a fake JDK 25 and a fake Maven
        // that reports what it was asked, so nothing is really built.
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(root.resolve("tools/cli/target"));
        Path launcher = Files.copy(Path.of("..", "..", "quarry").toAbsolutePath().normalize(), root.resolve("quarry"));
        Path jdk = dir.resolve("jdk-25");
        fakeJava(jdk, "25.0.2");
        Path tools = Files.createDirectories(dir.resolve("tools"));
        executable(tools.resolve("mvn"), "#!/bin/sh\necho \"fake mvn $* with JAVA_HOME=$JAVA_HOME\"\n");

        String built = launch(launcher, jdk, tools, "build");
        assertTrue(built.contains("quarry: building the command line (first run or sources changed) with JDK "
                + jdk + " (Java 25.0.2, from QUARRY_JAVA_HOME)"), built);

        String tested = launch(launcher, jdk, tools, "test", "-Dtest=X");
        assertTrue(tested.contains("quarry: building and testing with JDK " + jdk
                + " (Java 25.0.2, from QUARRY_JAVA_HOME): mvn -B -ntp verify -Dtest=X"), tested);
        assertTrue(tested.contains("fake mvn -B -ntp verify -Dtest=X with JAVA_HOME=" + jdk), tested);
        boolean chromium = Files.isExecutable(Path.of("/usr/bin/chromium")) || Files.isExecutable(Path.of("/bin/chromium"));
        assertEquals(!chromium, tested.contains("quarry: chromium is not installed, so the browser checks of the audit"
                + " report (engine HtmlReportTest) were skipped; install it with scripts/check-report.sh --install"),
                tested);

        // A command with the jar up to date says nothing about the JDK: only the command's own output (the
        // start-up cache, which speaks once per build, is another test's).
        String version = launchWith(Map.of("QUARRY_AOT_CACHE", "off"), launcher, jdk, tools, "--version");
        assertTrue(version.startsWith("fake java ") && version.strip().endsWith("--version"), version);
        assertTrue(version.contains("-jar " + root.resolve("tools/cli/target/quarry.jar")), version);
    }

    @Test
    void buildsOfOneCheckoutStartedAtOnceTakeTurnsAndLeaveAWholeJar() throws IOException, InterruptedException {
        // A fake Maven that installs the jar as the shade plugin does (the whole new jar written under one fixed
        // name, then renamed to quarry.jar) slowly, and notes when it starts while another is still writing.
        Path root = Files.createDirectories(dir.resolve("root"));
        Path target = Files.createDirectories(root.resolve("tools/cli/target"));
        Path launcher = Files.copy(Path.of("..", "..", "quarry").toAbsolutePath().normalize(), root.resolve("quarry"));
        Path jdk = dir.resolve("jdk-25");
        fakeJava(jdk, "25.0.2");
        Path tools = Files.createDirectories(dir.resolve("tools"));
        executable(tools.resolve("mvn"), """
                #!/bin/sh
                t=tools/cli/target
                [ -e $t/writing ] && echo "$*" >>$t/overlaps
                touch $t/writing
                printf 'head ' >$t/quarry-cli-shaded.jar
                sleep 1
                printf 'tail' >>$t/quarry-cli-shaded.jar
                mv $t/quarry.jar $t/original-quarry.jar 2>/dev/null
                mv $t/quarry-cli-shaded.jar $t/quarry.jar
                rm $t/writing
                """);
        List<List<String>> commands = List.of(List.of("build"), List.of("build", "serve"),
                List.of("build-lock", "mvn", "-q", "-pl", "bench", "-am", "package"));
        List<Process> started = new ArrayList<>();
        for (List<String> args : commands) {
            List<String> command = new ArrayList<>(List.of("bash", launcher.toString()));
            command.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("out-" + started.size()).toFile());
            pb.environment().remove("JAVA_HOME");
            pb.environment().put("QUARRY_JAVA_HOME", jdk.toString());
            pb.environment().put("PATH", tools + ":/usr/bin:/bin");
            started.add(pb.start());
        }
        for (int i = 0; i < started.size(); i++) {
            assertTrue(started.get(i).waitFor(60, TimeUnit.SECONDS), commands.get(i).toString());
            String out = Files.readString(dir.resolve("out-" + i));
            assertEquals(0, started.get(i).exitValue(), commands.get(i) + ": " + out);
        }
        assertFalse(Files.exists(target.resolve("overlaps")), () -> "builds ran at once: "
                + readQuietly(target.resolve("overlaps")));
        assertEquals("head tail", Files.readString(target.resolve("quarry.jar")));
        String waited = Files.readString(dir.resolve("out-0")) + Files.readString(dir.resolve("out-1"))
                + Files.readString(dir.resolve("out-2"));
        assertTrue(waited.contains("quarry: another build of this checkout is running (" + root.resolve("target")
                .resolve("build.lock") + "); waiting for it..."), waited);
    }

    @Test
    void buildLockWithoutACommandIsAUsageError() throws IOException, InterruptedException {
        Path jdk = dir.resolve("jdk-25");
        fakeJava(jdk, "25.0.2");
        ProcessBuilder pb = new ProcessBuilder("bash", Path.of("..", "..", "quarry").toAbsolutePath().normalize()
                .toString(), "build-lock").redirectErrorStream(true);
        pb.environment().put("QUARRY_JAVA_HOME", jdk.toString());
        Process process = pb.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, process.waitFor(), out);
        assertTrue(out.contains("quarry: build-lock needs a command"), out);
    }

    @Test
    void aStartupCacheThatCannotBeMadeIsNotRetriedUntilTheJarChanges() throws IOException, InterruptedException {
        // The fake JDK "runs" the training without writing a cache: the command still runs, without one, and
        // the next command does not train again; a rebuilt jar does, and QUARRY_AOT_CACHE=off never does.
        Path root = Files.createDirectories(dir.resolve("root"));
        Path jar = root.resolve("tools/cli/target/quarry.jar");
        Files.createDirectories(jar.getParent());
        Files.writeString(jar, "");
        Path launcher = Files.copy(Path.of("..", "..", "quarry").toAbsolutePath().normalize(), root.resolve("quarry"));
        Path jdk = dir.resolve("jdk-25");
        fakeJava(jdk, "25.0.2");
        Path tools = Files.createDirectories(dir.resolve("tools"));

        String first = launch(launcher, jdk, tools, "--version");
        assertTrue(first.contains("quarry: preparing the start-up cache"), first);
        assertTrue(first.contains("quarry: no start-up cache"), first);
        assertTrue(first.contains("-jar " + jar) && !first.contains("AOTCache="), first);
        String second = launch(launcher, jdk, tools, "--version");
        assertFalse(second.contains("start-up cache"), second);
        assertTrue(jar.toFile().setLastModified(System.currentTimeMillis() + 5_000));
        assertTrue(launch(launcher, jdk, tools, "--version").contains("quarry: preparing the start-up cache"));
        assertTrue(jar.toFile().setLastModified(System.currentTimeMillis() + 10_000));
        String off = launchWith(Map.of("QUARRY_AOT_CACHE", "off"), launcher, jdk, tools, "--version");
        assertFalse(off.contains("start-up cache"), off);
    }

    @Test
    void theLauncherAndTheBuildPassTheSameJvmFlags() throws IOException, InterruptedException {
        // The launcher lists the flags for users' runs, the parent POM (quarry.jvm.flags) for tests and their child
        // JVMs: a flag missing from one list fails only there (Chronicle Map, for one, needs all of its own).
        Path launcher = Path.of("..", "..", "quarry").toAbsolutePath().normalize();
        Path jdk = dir.resolve("jdk-25");
        fakeJava(jdk, "25.0.2");
        Path tools = Files.createDirectories(dir.resolve("tools"));
        // A kernel without transparent huge pages: the flags every JVM needs and nothing else (the next test has
        // the huge pages' flag, a choice for the machine, not a need).
        Path never = Files.writeString(dir.resolve("thp-never"), "always madvise [never]\n");
        List<String> launcherFlags = launchWith(Map.of("QUARRY_THP_MODE_FILE", never.toString()), launcher, jdk, tools,
                "jvm-flags").lines().toList();
        assertEquals(dev.quarry.testing.ChildJvm.quarryFlags(), launcherFlags.stream()
                .flatMap(f -> Arrays.stream(f.split(" "))).toList());
        assertTrue(launcherFlags.contains("-Dchronicle.analytics.disable=true"), launcherFlags::toString);
    }

    @Test
    void asksForTransparentHugePagesWhereTheKernelLetsItAndNotForTheService() throws IOException, InterruptedException {
        // The kernel's mode is the bracketed word of its sysfs file; a fake file stands in for it. The flag goes
        // to quarry.jar's commands and to `jvm-flags` with `always` or `madvise`, never with `never` or without the
        // file (the JVM would warn at every start), and never to `jvm-flags spark` (options for executors elsewhere).
        Path launcher = Path.of("..", "..", "quarry").toAbsolutePath().normalize();
        Path jdk = dir.resolve("jdk-25");
        fakeJava(jdk, "25.0.2");
        Path tools = Files.createDirectories(dir.resolve("tools"));
        String flag = "-XX:+UseTransparentHugePages";
        Map<String, Boolean> modes = Map.of(
                "always [madvise] never\n", true,
                "[always] madvise never\n", true,
                "always [madvise] never", true, // no newline at the end
                "always madvise [never]\n", false,
                "", false);
        int i = 0;
        for (Map.Entry<String, Boolean> mode : modes.entrySet()) {
            Path file = Files.writeString(dir.resolve("thp-" + i++), mode.getKey());
            Map<String, String> env = Map.of("QUARRY_THP_MODE_FILE", file.toString(), "QUARRY_AOT_CACHE", "off");
            List<String> flags = launchWith(env, launcher, jdk, tools, "jvm-flags").lines().toList();
            assertEquals(mode.getValue(), flags.contains(flag), mode.getKey() + ": " + flags);
            assertFalse(flags.contains(""), flags::toString);
            assertFalse(launchWith(env, launcher, jdk, tools, "jvm-flags", "spark").contains(flag), mode.getKey());
            String run = launchWith(env, launcher, jdk, tools, "--version");
            assertEquals(mode.getValue(), run.contains(flag), mode.getKey() + ": " + run);
        }
        Map<String, String> missing = Map.of("QUARRY_THP_MODE_FILE", dir.resolve("no-such-file").toString(),
                "QUARRY_AOT_CACHE", "off");
        String flags = launchWith(missing, launcher, jdk, tools, "jvm-flags");
        assertFalse(flags.contains(flag) || flags.contains("no-such-file"), flags);
        assertFalse(launchWith(missing, launcher, jdk, tools, "--version").contains(flag));

        // A user turns it off with QUARRY_JAVA_OPTS, which comes later on the command line (the JVM takes the last).
        Path madvise = Files.writeString(dir.resolve("thp-madvise"), "always [madvise] never\n");
        String off = launchWith(Map.of("QUARRY_THP_MODE_FILE", madvise.toString(), "QUARRY_AOT_CACHE", "off",
                "QUARRY_JAVA_OPTS", "-XX:-UseTransparentHugePages"), launcher, jdk, tools, "--version");
        assertTrue(off.indexOf(flag) >= 0 && off.indexOf(flag) < off.indexOf("-XX:-UseTransparentHugePages"), off);

        // quarry.jar's commands have it, a tool module's command (the service) does not: built jars in a root of
        // their own, the fake JDK printing how it was started.
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(root.resolve("tools/cli/target"));
        Files.createDirectories(root.resolve("tools/serve/target"));
        Files.writeString(root.resolve("tools/cli/target/quarry.jar"), "");
        Files.writeString(root.resolve("tools/serve/target/quarry-serve.jar"), "");
        Files.writeString(root.resolve("tools/serve/pom.xml"), "");
        Path copy = Files.copy(launcher, root.resolve("quarry"));
        Map<String, String> env = Map.of("QUARRY_THP_MODE_FILE", madvise.toString(), "QUARRY_AOT_CACHE", "off");
        String mine = launchWith(env, copy, jdk, tools, "mine", "--corpus", "c.qvec");
        assertTrue(mine.contains(flag) && mine.contains("-jar " + root.resolve("tools/cli/target/quarry.jar")), mine);
        String serve = launchWith(env, copy, jdk, tools, "serve", "--corpus", "c.qvec");
        assertTrue(serve.contains("quarry-serve.jar") && !serve.contains(flag), serve);
    }

    @Test
    void versionNamesTheJavaHomeAndVersionOfItsJvm() {
        CliRun run = CliRun.of("--version");
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().startsWith("quarry "), run::toString);
        assertTrue(run.out().contains("Java " + Runtime.version()), run::toString);
        assertTrue(run.out().contains(System.getProperty("java.home")), run::toString);
    }

    @Test
    void addsTheEmbedModuleOnlyWhenTextsMustBeEmbedded() throws IOException, InterruptedException {
        // Built jars in a root of their own and a fake JDK that prints how it was started: the class path says
        // whether the launcher added the embed module.
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(root.resolve("tools/cli/target"));
        Files.createDirectories(root.resolve("tools/embed/target"));
        Files.writeString(root.resolve("tools/cli/target/quarry.jar"), "");
        Files.writeString(root.resolve("tools/embed/target/quarry-embed.jar"), "");
        Files.writeString(root.resolve("tools/embed/pom.xml"), ""); // the checkout has the module
        Path launcher = Files.copy(Path.of("..", "..", "quarry").toAbsolutePath().normalize(), root.resolve("quarry"));
        Path jdk = dir.resolve("jdk-25");
        fakeJava(jdk, "25.0.2");
        Path tools = Files.createDirectories(dir.resolve("tools"));

        String[][] embedded = {
            {"mine", "--corpus-text", "c.jsonl", "--queries-text", "q.jsonl", "--qrels", "r.tsv"},
            {"mine", "--corpus-text=c.jsonl", "--cross-model", "bge-small"},
            {"demo", "--texts"},
            {"embed", "--input", "t.jsonl"},
        };
        for (String[] args : embedded) {
            String out = launch(launcher, jdk, tools, args);
            assertTrue(out.contains("quarry-embed.jar") && out.contains("dev.quarry.cli.QuarryMain"), out);
        }
        String[][] bare = {
            {"mine", "--corpus", "c.qvec", "--corpus-text", "c.jsonl", "--queries-text", "q.jsonl"},
            {"mine", "--corpus=c.qvec", "--queries-text=q.jsonl"},
            {"demo"},
        };
        for (String[] args : bare) {
            String out = launch(launcher, jdk, tools, args);
            assertTrue(out.contains("-jar " + root.resolve("tools/cli/target/quarry.jar")), out);
            assertFalse(out.contains("quarry-embed"), out);
        }
    }

    /** Runs the launcher with {@code jdk} as QUARRY_JAVA_HOME and {@code tools} first on the PATH; stdout + stderr. */
    private String launch(Path launcher, Path jdk, Path tools, String... args) throws IOException, InterruptedException {
        return launchWith(Map.of(), launcher, jdk, tools, args);
    }

    /** As {@link #launch}, with more environment variables. */
    private String launchWith(Map<String, String> extra, Path launcher, Path jdk, Path tools, String... args)
            throws IOException, InterruptedException {
        String[] command = new String[args.length + 2];
        command[0] = "bash";
        command[1] = launcher.toString();
        System.arraycopy(args, 0, command, 2, args.length);
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.remove("JAVA_HOME");
        env.remove("QUARRY_JAVA_OPTS");
        env.put("QUARRY_JAVA_HOME", jdk.toString());
        env.put("PATH", tools + ":/usr/bin:/bin");
        env.put("QUARRY_JVM_DIRS", dir.resolve("no-jvms").toString());
        env.remove("QUARRY_AOT_CACHE");
        env.remove("QUARRY_THP_MODE_FILE");
        env.putAll(extra);
        pb.redirectErrorStream(true);
        Process process = pb.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        return output;
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void fakeJava(Path home, String version) throws IOException {
        Path bin = Files.createDirectories(home.resolve("bin"));
        for (String tool : new String[] {"java", "javac"}) {
            // Prints its version for -version, and otherwise what it was asked to run.
            executable(bin.resolve(tool), "#!/bin/sh\nif [ \"$1\" = -version ]; then echo 'openjdk version \""
                    + version + "\" 2025-04-15' >&2; else echo \"fake java $*\"; fi\n");
        }
    }

    private static void executable(Path file, String script) throws IOException {
        Files.writeString(file, script);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
