package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Option;

/** The command line declares no option of the request schema itself: those come from the schema's package. */
class SchemaNamesTest {
    @Test
    void noCommandDeclaresASchemaSettingsName() {
        ToolModuleRules.declaresNoSchemaOptionName("dev.quarry.cli").check(ToolModuleRules.mainClassesOf("dev.quarry.cli"));
    }

    @Test
    void theRuleBitesOnAnOptionNamedLikeASetting() {
        JavaClasses fixture = new ClassFileImporter().importClasses(Fixture.class);
        assertThrows(AssertionError.class, () -> ToolModuleRules.declaresNoSchemaOptionName("dev.quarry.cli")
                .check(fixture));
    }

    @Test
    void theCommandLineRuleBitesOnAnotherCommandLineClass() {
        JavaClasses fixture = new ClassFileImporter().importClasses(Fixture.class);
        assertThrows(AssertionError.class, () -> ToolModuleRules.usesOfTheCommandLineOnly("dev.quarry.cli",
                ToolCommand.class).check(fixture));
    }

    /** A command that mines, declares --num-negatives itself and uses MineCommand. */
    abstract static class Fixture implements SchemaOptions.Mines {
        @Option(names = "--num-negatives")
        int numNegatives;

        @SuppressWarnings("unused")
        private MineCommand command;
    }
}
