package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.options.CommandSetting;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every flag a {@link CommandSetting} declares is an option of a {@code quarry} command, so an error naming it
 * points at something the user can type. Flags of the tool modules' commands (Spark's, the embedder's) are checked
 * when those modules are on the class path, as they are in their own builds; here they are listed.
 */
class CommandSettingFlagsExistTest {
    /** Commands of modules this one does not depend on. */
    private static final Set<String> OTHER_MODULES = Set.of("--placement", "--shards", "--shard-count", "--max-tokens");

    @Test
    void everyDeclaredFlagIsAnOptionOfACommand() {
        Set<String> options = new HashSet<>();
        collect(QuarryMain.commandLine(), options);
        List<String> missing = new ArrayList<>();
        for (CommandSetting s : CommandSetting.values()) {
            if (!options.contains(s.flag()) && !OTHER_MODULES.contains(s.flag())) {
                missing.add(s + " " + s.flag());
            }
        }
        assertEquals(List.of(), missing, "flags no command takes");
    }

    private static void collect(CommandLine cmd, Set<String> into) {
        for (CommandLine.Model.OptionSpec o : cmd.getCommandSpec().options()) {
            into.addAll(List.of(o.names()));
        }
        cmd.getSubcommands().values().forEach(sub -> collect(sub, into));
    }
}
