package dev.quarry.spark;

import dev.quarry.cli.ToolCommand;

/** Registers {@code quarry spark-mine} with the command line (listed in META-INF/services). */
public final class SparkMineTool implements ToolCommand {
    @Override
    public String name() {
        return "spark-mine";
    }

    @Override
    public Object command() {
        return new SparkMineCommand();
    }
}
