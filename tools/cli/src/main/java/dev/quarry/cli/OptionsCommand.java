package dev.quarry.cli;

import dev.quarry.options.Door;
import dev.quarry.options.MineSettings;
import dev.quarry.options.SchemaJson;
import dev.quarry.options.Setting;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry options}: the mining request's settings, as every door names them. */
@Command(name = "options", mixinStandardHelpOptions = true, sortOptions = false,
        description = "List the settings of a mining request: each one's name on the command line, over HTTP (and"
                + " in the Python client) and in Spark options, its default and what it accepts.",
        footer = {"", "Example:", "  quarry options --json > quarry-options.json"})
final class OptionsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "The schema as JSON (key, kind, default, expected, meaning, example,"
            + " names by door), for tools outside the JVM.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.print(SchemaJson.write());
            out.flush();
            return ExitCodes.OK;
        }
        out.printf(Locale.ROOT, "%-22s %-20s %-20s %-9s %s%n", "command line", "http / python", "spark", "default",
                "accepts");
        for (Setting<?> s : MineSettings.ALL) {
            out.printf(Locale.ROOT, "%-22s %-20s %-20s %-9s %s%n", Door.CLI.name(s),
                    s.appliesTo(Door.HTTP) ? Door.HTTP.name(s) : "-", Door.SPARK.name(s),
                    s.defaultText() == null ? "-" : s.defaultText(),
                    s.expected().isEmpty() || s.kind() == Setting.Kind.SWITCH ? s.describeKind() : s.expected());
        }
        out.flush();
        return ExitCodes.OK;
    }
}
