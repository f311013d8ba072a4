package dev.quarry.cli;

/**
 * A {@code quarry} subcommand that lives in a module of its own under {@code tools/} because of what it
 * depends on (a web server, ONNX Runtime, Spark). The module lists its implementation in
 * {@code META-INF/services/dev.quarry.cli.ToolCommand}; the launcher puts the module on the class path
 * for the commands that need it, and {@link QuarryMain} adds every tool command it finds. A known tool
 * command whose module is not on the class path answers with how to get it (see {@link ToolCommands}).
 */
public interface ToolCommand {
    /** The subcommand's name ({@code serve}, {@code embed}, ...). */
    String name();

    /** A new picocli command object (annotated with {@code @Command}) for one run. */
    Object command();
}
