package dev.quarry.cli;

import dev.quarry.testing.ChildJvm;
import java.util.List;

/** The command line in a child JVM (this test's JVM, Quarry's flags, this test's class path), for kills and locks. */
final class ChildQuarry {
    private ChildQuarry() {
    }

    /** The command that runs {@code quarry ARGS} in a new JVM. */
    static List<String> command(List<?> args) {
        return ChildJvm.command("512m", QuarryMain.class, args);
    }
}
