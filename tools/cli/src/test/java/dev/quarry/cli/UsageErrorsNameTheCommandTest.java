package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A usage error names the command as the user typed it, once, and points at that command's help. */
class UsageErrorsNameTheCommandTest {

    @Test
    void anUnknownCommandIsAUsageErrorNamingQuarryOnce() {
        CliRun run = CliRun.of("frobnicate");
        assertEquals(ExitCodes.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().startsWith("quarry: "), run.toString());
        assertTrue(run.err().contains("'frobnicate'"), run.toString());
        assertFalse(run.err().contains("quarry quarry"), run.toString());
        assertTrue(run.err().contains("Try 'quarry --help'."), run.toString());
    }

    @Test
    void anUnknownCommandWithHelpIsStillAUsageErrorNotTheTopLevelHelp() {
        CliRun run = CliRun.of("frobnicate", "--help");
        assertEquals(ExitCodes.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("'frobnicate'"), run.toString());
        assertFalse(run.out().contains("Usage: quarry"), run.toString());
    }

    @Test
    void aBadValueOfANestedCommandNamesItsWholePath(@TempDir Path dir) {
        // a value picocli itself refuses (an int option), before any file is opened
        CliRun run = CliRun.of("index", "build", "--threads", "x", "--store", dir.resolve("corpus.qvec"),
                "--output", dir.resolve("corpus.qivf"));
        assertEquals(ExitCodes.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().startsWith("quarry index build: "), run.toString());
        assertTrue(run.err().contains("--threads"), run.toString());
        assertTrue(run.err().contains("Try 'quarry index build --help'."), run.toString());
    }

    @Test
    void aKnownCommandsHelpStillExitsZero() {
        CliRun run = CliRun.of("mine", "--help");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("Usage: quarry mine"), run.toString());
    }
}
