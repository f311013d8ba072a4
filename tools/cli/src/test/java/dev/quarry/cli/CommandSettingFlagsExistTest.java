package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.options.CommandSetting;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every flag a {@link CommandSetting} declares is an option of a {@code quarry} command, so an error naming it
 * points at something the user can type. The flags of the tool modules' commands (Spark's, the embedder's) are
 * checked by those modules' own tests, where their commands are on the class path.
 */
class CommandSettingFlagsExistTest {
    /** Settings of commands that live in modules this one does not depend on. */
    static final Set<CommandSetting> OTHER_MODULES = EnumSet.of(CommandSetting.PLACEMENT, CommandSetting.SHARDS,
            CommandSetting.SHARD_COUNT, CommandSetting.MAX_TOKENS);

    @Test
    void everyDeclaredFlagIsAnOptionOfACommand() {
        EnumSet<CommandSetting> here = EnumSet.complementOf(EnumSet.copyOf(OTHER_MODULES));
        assertEquals(List.of(), ToolModuleRules.flagsNoCommandTakes(here), "flags no command takes");
    }
}
