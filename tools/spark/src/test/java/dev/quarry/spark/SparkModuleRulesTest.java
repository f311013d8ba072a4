package dev.quarry.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.cli.ExitCodes;
import dev.quarry.cli.MiningInputOptions;
import dev.quarry.cli.SchemaOptions;
import dev.quarry.cli.ToolCommand;
import dev.quarry.cli.ToolModuleRules;
import dev.quarry.options.CommandSetting;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * This module uses the command line's public extension points only (spark-mine (tool registration, exit codes, the request's settings and inputs as quarry mine takes them)), never its
 * internals, and declares no option of the request schema.
 */
class SparkModuleRulesTest {
    @Test
    void usesTheCommandLineThroughItsExtensionPointsOnly() {
        ToolModuleRules.usesOfTheCommandLineOnly("dev.quarry.spark", ToolCommand.class, ExitCodes.class, SchemaOptions.class, MiningInputOptions.class)
                .check(ToolModuleRules.mainClassesOf("dev.quarry.spark"));
    }

    @Test
    void declaresNoSettingOfTheRequestSchema() {
        ToolModuleRules.declaresNoSchemaOptionName("dev.quarry.spark").check(ToolModuleRules.mainClassesOf("dev.quarry.spark"));
    }

    @Test
    void everyFlagOfThisModulesSettingsIsAnOptionOfItsCommand() {
        assertEquals(List.of(), ToolModuleRules.flagsNoCommandTakes(List.of(CommandSetting.PLACEMENT, CommandSetting.SHARDS, CommandSetting.SHARD_COUNT)),
                "flags no command takes");
    }
}
