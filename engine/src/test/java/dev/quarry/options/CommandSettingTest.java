package dev.quarry.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryUsageException;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Settings outside the request schema: declared once, and every door renders their errors from the declaration. */
class CommandSettingTest {

    @Test
    void everyDeclarationHasOneEngineNameAndAKebabCaseFlag() {
        Set<String> fields = new HashSet<>();
        for (CommandSetting s : CommandSetting.values()) {
            assertTrue(fields.add(s.field()), "declared once: " + s.field());
            assertTrue(s.flag().matches("--[a-z]+(-[a-z]+)*"), s + ": " + s.flag());
            assertTrue(MineSettings.byKey(s.field()) == null, s + " is not a schema setting");
        }
    }

    @Test
    void theCommandLineNamesTheFlagAndTheOtherDoorsTheEngineName() {
        CommandSettingError e = new CommandSettingError(CommandSetting.MAX_TRAINING_POINTS, 50, "at least 100");
        assertEquals("maxTrainingPoints", e.field());
        assertEquals("50", e.value());
        assertEquals("at least 100", e.expected());
        assertEquals("--train-sample=50, expected at least 100", Door.CLI.render(e));
        assertEquals("maxTrainingPoints=50, expected at least 100", Door.HTTP.render(e));
        assertEquals(e.getMessage(), Door.SPARK.render(e));
    }

    @Test
    void aSchemaErrorAndAPlainFieldRenderAsBefore() {
        QuarryUsageException option = new OptionError(MineSettings.WIDEN_TO, 5, "a rank > {range_max}");
        assertEquals("--widen-to=5, expected a rank > --range-max", Door.CLI.render(option));
        QuarryUsageException plain = new QuarryUsageException("ef", -1, ">= 0");
        assertEquals("ef=-1, expected >= 0", Door.CLI.render(plain));
    }
}
