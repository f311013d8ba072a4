package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A setting outside the request schema refused by the engine (an index build's, {@code quarry generate}'s) is
 * named by the flag that sets it, from its declaration ({@code dev.quarry.options.CommandSetting}), never by the
 * engine's field name.
 */
class CommandSettingErrorsNameTheFlagTest {

    @Test
    void anUnknownKindIsNamedByItsFlag(@TempDir Path dir) {
        CliRun run = CliRun.of("generate", "--kind", "gaussian", "--count", "10", "--dim", "4",
                "--output", dir.resolve("c.qvec"));
        assertEquals(ExitCodes.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().startsWith("quarry generate: --kind=gaussian, expected clustered or uniform"),
                run.toString());
    }

    @Test
    void aTrainingSampleSmallerThanNlistIsNamedByItsFlag(@TempDir Path dir) {
        Path corpus = dir.resolve("c.qvec");
        CliRun made = CliRun.of("generate", "--count", "300", "--dim", "8", "--output", corpus);
        assertEquals(0, made.exitCode(), made.toString());
        CliRun run = CliRun.of("index", "build", "--store", corpus, "--nlist", "100", "--train-sample", "50",
                "--output", dir.resolve("c.qivf"));
        assertEquals(ExitCodes.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("--train-sample=50, expected at least nlist=100 points"), run.toString());
        assertTrue(!run.err().contains("maxTrainingPoints"), run.toString());
    }

    @Test
    void iterationsBelowOneAreNamedByTheirFlag(@TempDir Path dir) {
        Path corpus = dir.resolve("c.qvec");
        assertEquals(0, CliRun.of("generate", "--count", "300", "--dim", "8", "--output", corpus).exitCode());
        CliRun run = CliRun.of("index", "build", "--store", corpus, "--nlist", "4", "--iterations", "0",
                "--output", dir.resolve("c.qivf"));
        assertEquals(ExitCodes.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("--iterations=0, expected >= 1"), run.toString());
    }
}
