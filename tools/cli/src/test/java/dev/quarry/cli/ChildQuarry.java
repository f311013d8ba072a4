package dev.quarry.cli;

import dev.quarry.TestHooks;
import dev.quarry.testing.ChildJvm;
import java.util.ArrayList;
import java.util.List;

/** The command line in a child JVM (this test's JVM, Quarry's flags, this test's class path), for kills and locks. */
final class ChildQuarry {
    private ChildQuarry() {
    }

    /** The command that runs {@code quarry ARGS} in a new JVM. */
    static List<String> command(List<?> args) {
        return ChildJvm.command("512m", QuarryMain.class, args);
    }

    /**
     * As {@link #command(List)}, the run slowed by the test hook that pauses {@code pauseMs} after each block
     * ({@link TestHooks#PAUSE_PER_BLOCK_MS}), so a test can act while it runs.
     */
    static List<String> paused(long pauseMs, List<?> args) {
        List<String> cmd = new ArrayList<>(command(args));
        cmd.add(1, "-D" + TestHooks.PAUSE_PER_BLOCK_MS + "=" + pauseMs);
        return cmd;
    }
}
