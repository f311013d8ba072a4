package dev.quarry.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line in a child JVM (this test's JVM, Quarry's flags, this test's class path), for kills and locks. */
final class ChildQuarry {
    private ChildQuarry() {
    }

    /** The command that runs {@code quarry ARGS} in a new JVM. */
    static List<String> command(List<?> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), QuarryMain.class.getName()));
        args.forEach(a -> cmd.add(String.valueOf(a)));
        return cmd;
    }
}
