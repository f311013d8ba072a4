package dev.quarry.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The command line sits on top: the engine never uses it, and nothing forms a cycle with it. */
class CommandLineLayeringTest {

    @Test
    void engineNeverUsesTheCommandLine() {
        // The engine's test jar is on this class path too: its tests are not the engine.
        JavaClasses all = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("dev.quarry");
        assertTrue(all.stream().anyMatch(c -> c.getPackageName().equals("dev.quarry.cli")), "cli classes found");
        assertTrue(all.stream().anyMatch(c -> c.getPackageName().equals("dev.quarry.mining")), "engine classes found");
        noClasses().that().resideOutsideOfPackage("dev.quarry.cli..")
                .should().dependOnClassesThat().resideInAPackage("dev.quarry.cli..")
                .check(all);
        slices().matching("dev.quarry.(**)").should().beFreeOfCycles().check(all);
    }
}
