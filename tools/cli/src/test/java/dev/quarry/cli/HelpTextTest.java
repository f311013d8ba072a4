package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's {@code --help} prints its usage and nothing picocli complains about. */
class HelpTextTest {

    @Test
    void everyCommandsHelpFormatsWithoutPicocliWarnings() {
        List<String[]> commands = new ArrayList<>();
        collect(QuarryMain.commandLine(), new ArrayList<>(), commands);
        assertTrue(commands.size() > 10, "found the subcommands: " + commands.size());
        for (String[] path : commands) {
            String[] argv = new String[path.length + 1];
            System.arraycopy(path, 0, argv, 0, path.length);
            argv[path.length] = "--help";
            // picocli's warnings go to System.err, not to the command line's error writer.
            PrintStream saved = System.err;
            ByteArrayOutputStream systemErr = new ByteArrayOutputStream();
            CliRun run;
            try {
                System.setErr(new PrintStream(systemErr, true, StandardCharsets.UTF_8));
                run = CliRun.of((Object[]) argv);
            } finally {
                System.setErr(saved);
            }
            String all = run + "--- System.err\n" + systemErr.toString(StandardCharsets.UTF_8);
            String name = String.join(" ", argv);
            assertEquals(0, run.exitCode(), name + "\n" + all);
            assertTrue(run.out().contains("Usage: quarry"), name + "\n" + all);
            assertFalse(all.contains("[picocli WARN]"), name + "\n" + all);
            assertFalse(run.out().contains("%n"), name + ": an unformatted %n in the help\n" + all);
        }
    }

    /** Adds the path of every command below {@code cmd} (each alias and {@code help} left out) to {@code into}. */
    static void collect(CommandLine cmd, List<String> path, List<String[]> into) {
        for (var sub : cmd.getSubcommands().entrySet()) {
            if (sub.getValue().getCommandSpec().userObject() instanceof CommandLine.HelpCommand
                    || !sub.getKey().equals(sub.getValue().getCommandName())) {
                continue; // the help command has no --help; aliases repeat a command
            }
            List<String> next = new ArrayList<>(path);
            next.add(sub.getKey());
            into.add(next.toArray(String[]::new));
            collect(sub.getValue(), next, into);
        }
    }
}
