package dev.quarry.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.cli.ExitCodes;
import dev.quarry.cli.TextEmbeddings;
import dev.quarry.cli.ToolCommand;
import dev.quarry.cli.ToolModuleRules;
import dev.quarry.options.CommandSetting;
import java.util.List;
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

    @Test
    void everyFlagOfThisModulesSettingsIsAnOptionOfItsCommand() {
        assertEquals(List.of(), ToolModuleRules.flagsNoCommandTakes(List.of(CommandSetting.MAX_TOKENS)),
                "flags no command takes");
    }
}
