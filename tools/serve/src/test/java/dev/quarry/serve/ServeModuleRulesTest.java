package dev.quarry.serve;

import dev.quarry.cli.ExitCodes;
import dev.quarry.cli.SchemaOptions;
import dev.quarry.cli.ToolCommand;
import dev.quarry.cli.ToolModuleRules;
import org.junit.jupiter.api.Test;

/**
 * This module uses the command line's public extension points only (the server (tool registration, exit codes, its default nprobe)), never its
 * internals, and declares no option of the request schema.
 */
class ServeModuleRulesTest {
    @Test
    void usesTheCommandLineThroughItsExtensionPointsOnly() {
        ToolModuleRules.usesOfTheCommandLineOnly("dev.quarry.serve", ToolCommand.class, ExitCodes.class, SchemaOptions.class)
                .check(ToolModuleRules.mainClassesOf("dev.quarry.serve"));
    }

    @Test
    void declaresNoSettingOfTheRequestSchema() {
        ToolModuleRules.declaresNoSchemaOptionName("dev.quarry.serve").check(ToolModuleRules.mainClassesOf("dev.quarry.serve"));
    }
}
