package dev.quarry.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code quarry index}: build an index, or measure its recall against exact search. */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = "Build an IVF index over a store, or measure its recall against exact search.",
        subcommands = {IndexBuildCommand.class, IndexRecallCommand.class})
final class IndexCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "expected a subcommand: build or recall");
    }
}
