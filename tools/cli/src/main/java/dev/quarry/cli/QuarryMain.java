package dev.quarry.cli;

import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.files.MappedFiles;
import dev.quarry.options.Door;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code quarry} command: one subcommand per job, each a thin layer over the engine. */
@Command(name = "quarry", mixinStandardHelpOptions = true, versionProvider = QuarryMain.Version.class,
        description = "Mines hard negatives for embedding training, on CPUs.",
        footer = {"", "Exit codes: 0 ok, 1 failure, 2 usage error, 3 bad data or paths."})
public final class QuarryMain implements Runnable {

    /**
     * The built-in commands, in the order the help lists them (then {@code help}, then the tool commands).
     * Not in the {@code @Command} annotation: picocli would build the model of every one by reflection
     * before parsing, which is most of the start of a small run; {@link #commandLine(String...)} builds
     * only the command a run names.
     */
    static final List<Class<?>> COMMANDS = List.of(DemoCommand.class, MineCommand.class, TuneCommand.class,
            IndexCommand.class, EvalCommand.class, AuditCommand.class, DefencesCommand.class, ImportCommand.class,
            InfoCommand.class, GenerateCommand.class, OptionsCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this, not {@link #main}). */
    public static int run(String... args) {
        CommandLine cmd = commandLine(args);
        try {
            return cmd.execute(args);
        } catch (InternalError e) { // picocli passes errors through; this one is the user's file, cut while mapped
            if (!MappedFiles.isFault(e)) {
                throw e;
            }
            return handle(MappedFiles.explain(e), cmd, null);
        }
    }

    /** The configured command line with every command, with Quarry's error handling. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The configured command line for these arguments: when the first names a built-in command, that
     * command alone (it parses, checks and reports exactly as in the whole command line, whose other
     * commands it never reaches); otherwise every command, so the top-level help, {@code help},
     * {@code --version}, a tool command and a misspelt command see the whole list.
     */
    static CommandLine commandLine(String... args) {
        CommandLine cmd = new CommandLine(new QuarryMain());
        Class<?> named = args.length > 0 ? builtIn(args[0]) : null;
        if (named != null) {
            cmd.addSubcommand(named);
        } else {
            COMMANDS.forEach(cmd::addSubcommand);
            cmd.addSubcommand(CommandLine.HelpCommand.class);
        }
        cmd.setExecutionExceptionHandler(QuarryMain::handle);
        cmd.setParameterExceptionHandler(QuarryMain::handleUsage);
        cmd.setExecutionStrategy(QuarryMain::refuseUnmatchedThenRun);
        if (named == null) {
            ToolCommands.addTo(cmd);
        }
        addSchemaOptions(cmd);
        return cmd;
    }

    /** The built-in command with this name, or null (read from its annotation, not from its model). */
    static Class<?> builtIn(String name) {
        for (Class<?> command : COMMANDS) {
            Command annotation = command.getAnnotation(Command.class);
            if (annotation.name().equals(name) || List.of(annotation.aliases()).contains(name)) {
                return command;
            }
        }
        return null;
    }

    /** Gives every command that mines the request schema's options. */
    private static void addSchemaOptions(CommandLine cmd) {
        if (cmd.getCommand() instanceof SchemaOptions.Mines mines) {
            mines.schemaOptions().addTo(cmd.getCommandSpec());
        }
        for (CommandLine sub : new java.util.LinkedHashSet<>(cmd.getSubcommands().values())) {
            addSchemaOptions(sub);
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Refuses an argument no command took, then runs the command. picocli skips that check when
     * {@code --help} is given, so {@code quarry frobnicate --help} would print the top-level help and exit 0
     * as if the misspelt command existed.
     */
    private static int refuseUnmatchedThenRun(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (!p.unmatched().isEmpty()) {
                throw new CommandLine.UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
            }
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    /** Quarry's handling of a command's failure (exit codes, messages without stack traces for bad input). */
    public static int handle(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        if (!(e instanceof QuarryDataException) && MappedFiles.isFault(e)) {
            e = MappedFiles.explain(e);
        }
        PrintWriter err = cmd.getErr();
        if (e instanceof QuarryDataException data) {
            // The file's name is the user's: only the rest of the message is the engine's words.
            err.println("quarry: " + data.getMessage());
            return ExitCodes.DATA;
        }
        if (e instanceof CommandLine.ParameterException pe) {
            return handleUsage(pe, new String[0]);
        }
        if (e instanceof QuarryUsageException usage) {
            err.println(cmd.getCommandSpec().qualifiedName() + ": " + Door.CLI.render(usage));
            return ExitCodes.USAGE;
        }
        if (e instanceof UncheckedIOException io) {
            err.println("quarry: I/O error: " + io.getMessage()
                    + (io.getCause() != null ? " (" + io.getCause().getMessage() + ")" : ""));
            return ExitCodes.FAILURE;
        }
        err.println("quarry: failed: " + e);
        e.printStackTrace(err);
        return ExitCodes.FAILURE;
    }

    private static int handleUsage(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName(); // "quarry index build", not "build" or "quarry quarry"
        err.println(name + ": " + e.getMessage());
        err.println("Try '" + name + " --help'.");
        return ExitCodes.USAGE;
    }

    /** The version from the jar's manifest, and the JVM running it (which JDK the launcher chose). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = QuarryMain.class.getPackage().getImplementationVersion();
            return new String[] {"quarry " + (version == null ? "(development build)" : version),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ") at "
                            + System.getProperty("java.home")};
        }
    }
}
