package dev.quarry.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The command that runs a main class in a child JVM: this test's JDK, Quarry's JVM flags (the build passes
 * {@code quarry.jvm.flags} to every test JVM) and this test's class path. For tests that kill a process or
 * need a second one at the same time.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** Quarry's JVM flags, as the build gave them to this test JVM. */
    public static List<String> quarryFlags() {
        String flags = System.getProperty("quarry.jvm.flags");
        if (flags == null || flags.isBlank()) {
            throw new IllegalStateException("the system property quarry.jvm.flags is not set: run the tests with Maven"
                    + " (the parent POM passes it to Surefire)");
        }
        return Arrays.asList(flags.trim().split("\\s+"));
    }

    /** {@code java FLAGS -XmxMAX -cp CLASSPATH MAIN ARGS}. */
    public static List<String> command(String maxHeap, Class<?> main, List<?> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(quarryFlags());
        cmd.add("-Xmx" + maxHeap);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        args.forEach(a -> cmd.add(String.valueOf(a)));
        return cmd;
    }
}
