package dev.quarry.serve;

import dev.quarry.cli.ToolCommand;

/** Makes {@code quarry serve} a subcommand when this module is on the class path. */
public final class ServeTool implements ToolCommand {
    @Override
    public String name() {
        return "serve";
    }

    @Override
    public Object command() {
        return new ServeCommand();
    }
}
