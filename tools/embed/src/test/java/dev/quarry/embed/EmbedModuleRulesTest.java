package dev.quarry.embed;

import dev.quarry.cli.ExitCodes;
import dev.quarry.cli.TextEmbeddings;
import dev.quarry.cli.ToolCommand;
import dev.quarry.cli.ToolModuleRules;
import org.junit.jupiter.api.Test;

/**
 * This module uses the command line's public extension points only (embed (tool registration, exit codes, the text embedding mine finds)), never its
 * internals, and declares no option of the request schema.
 */
class EmbedModuleRulesTest {
    @Test
    void usesTheCommandLineThroughItsExtensionPointsOnly() {
        ToolModuleRules.usesOfTheCommandLineOnly("dev.quarry.embed", ToolCommand.class, ExitCodes.class, TextEmbeddings.class)
                .check(ToolModuleRules.mainClassesOf("dev.quarry.embed"));
    }

    @Test
    void declaresNoSettingOfTheRequestSchema() {
        ToolModuleRules.declaresNoSchemaOptionName("dev.quarry.embed").check(ToolModuleRules.mainClassesOf("dev.quarry.embed"));
    }
}
