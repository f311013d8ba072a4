package dev.quarry.embed;

import dev.quarry.cli.ToolCommand;

/** Registers {@code quarry embed} with the command line (listed in META-INF/services). */
public final class EmbedTool implements ToolCommand {
    @Override
    public String name() {
        return "embed";
    }

    @Override
    public Object command() {
        return new EmbedCommand();
    }
}
