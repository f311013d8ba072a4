package dev.quarry.cli;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Adds the tool commands found on the class path to the command line, and a stand-in for each known
 * one that is missing, so {@code quarry serve} run from the bare jar says what to do instead of
 * "unknown command".
 */
final class ToolCommands {
    /** Tool commands and the module under {@code tools/} that holds each. */
    static final Map<String, String> KNOWN = Map.of("serve", "tools/serve", "embed", "tools/embed",
            "spark-mine", "tools/spark");

    private ToolCommands() {
    }

    static void addTo(CommandLine cmd) {
        Set<String> found = new HashSet<>();
        for (ToolCommand tool : ServiceLoader.load(ToolCommand.class, QuarryMain.class.getClassLoader())) {
            if (found.add(tool.name())) {
                cmd.addSubcommand(tool.name(), tool.command());
            }
        }
        KNOWN.keySet().stream().sorted().filter(name -> !found.contains(name)).forEach(name ->
                cmd.addSubcommand(name, CommandLine.Model.CommandSpec.forAnnotatedObject(
                        new Missing(name, KNOWN.get(name)))));
    }

    /** The stand-in for a tool command whose module is not on the class path. */
    @Command(mixinStandardHelpOptions = true, description = "(Its module is not on the class path: run it through ./quarry, which builds it.)")
    static final class Missing implements Callable<Integer> {
        private final String name;
        private final String module;

        @CommandLine.Unmatched
        List<String> args;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        Missing(String name, String module) {
            this.name = name;
            this.module = module;
        }

        @Override
        public Integer call() {
            spec.commandLine().getErr().println("quarry " + name + ": this command lives in the " + module
                    + " module, which is not on the class path; run it as ./quarry " + name + " (the launcher"
                    + " builds the module and adds it), or build it with ./quarry build " + name);
            return ExitCodes.USAGE;
        }
    }
}
