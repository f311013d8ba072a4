package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A run whose first argument names a built-in command builds that command alone, and answers every
 * argument (help, a bad value, a missing option, an unknown one) with the same output, errors and exit
 * code as the command line that holds every command.
 */
class OnlyTheNamedCommandIsBuiltTest {
    @TempDir
    Path dir;

    @Test
    void aBuiltInCommandNamedFirstIsTheOnlyOneBuilt() {
        for (Class<?> command : QuarryMain.COMMANDS) {
            String name = command.getAnnotation(CommandLine.Command.class).name();
            CommandLine cmd = QuarryMain.commandLine(name, "--help");
            assertEquals(Set.of(name), cmd.getSubcommands().keySet(), name);
            assertEquals(command, cmd.getSubcommands().get(name).getCommandSpec().userObject().getClass(), name);
        }
    }

    @Test
    void anythingElseGetsEveryCommand() {
        Set<String> all = QuarryMain.commandLine().getSubcommands().keySet();
        assertTrue(all.containsAll(Set.of("mine", "index", "help", "serve")), all.toString());
        for (String[] args : List.of(new String[0], new String[] {"--version"}, new String[] {"help", "mine"},
                new String[] {"frobnicate"}, new String[] {"serve", "--help"}, new String[] {"--mine"})) {
            assertEquals(all, QuarryMain.commandLine(args).getSubcommands().keySet(), String.join(" ", args));
        }
        assertNull(QuarryMain.builtIn("help"));
        assertNull(QuarryMain.builtIn("Mine"));
    }

    @Test
    void everyCommandsHelpIsTheSameAsInTheWholeCommandLine() {
        List<String[]> paths = new ArrayList<>();
        HelpTextTest.collect(QuarryMain.commandLine(), new ArrayList<>(), paths);
        assertTrue(paths.size() > 10, "found the commands: " + paths.size());
        for (String[] path : paths) {
            String[] argv = new String[path.length + 1];
            System.arraycopy(path, 0, argv, 0, path.length);
            argv[path.length] = "--help";
            assertSameAnswer(argv);
        }
    }

    @Test
    void errorsAreTheSameAsInTheWholeCommandLine() {
        String corpus = dir.resolve("corpus.qvec").toString();
        String missing = dir.resolve("missing.qvec").toString();
        List<String[]> cases = List.of(
                new String[] {"mine"},
                new String[] {"mine", "--bogus"},
                new String[] {"mine", "--corpus", missing, "--qrels", missing, "--output", corpus + ".out"},
                new String[] {"mine", "--corpus", missing, "--k", "x"},
                new String[] {"mine", "--corpus", missing, "extra"},
                new String[] {"index", "build", "--threads", "x", "--store", corpus, "--output", corpus + ".qivf"},
                new String[] {"index", "frobnicate"},
                new String[] {"info", missing},
                new String[] {"generate", "--count", "-1", "--dim", "4", "--output", corpus},
                new String[] {"tune"},
                new String[] {"eval", "--bogus"},
                new String[] {"demo", "--bogus"},
                new String[] {"defences", "--help", "extra"});
        for (String[] args : cases) {
            assertSameAnswer(args);
        }
    }

    private static void assertSameAnswer(String... args) {
        String name = String.join(" ", args);
        assertEquals(answer(QuarryMain.commandLine(), args), answer(QuarryMain.commandLine(args), args), name);
    }

    private static String answer(CommandLine cmd, String... args) {
        return CliRun.of(cmd, (Object[]) args).toString();
    }
}
