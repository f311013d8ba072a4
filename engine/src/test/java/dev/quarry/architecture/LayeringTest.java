package dev.quarry.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's packages form one chain, and every import points down it. {@link #LAYERS} is the
 * chain, bottom first; a package may use its own layer (when the package is the same) and the
 * layers below. Read it with docs/architecture.md ("Layers").
 */
class LayeringTest {
    /** Bottom first. Packages on one line are side by side: neither may use the other. */
    static final List<List<String>> LAYERS = List.of(
            List.of("dev.quarry"),
            List.of("dev.quarry.options"),
            List.of("dev.quarry.vector"),
            List.of("dev.quarry.vector.internal"),
            List.of("dev.quarry.files"),
            List.of("dev.quarry.store"),
            List.of("dev.quarry.labels"),
            List.of("dev.quarry.index"),
            List.of("dev.quarry.index.flat", "dev.quarry.index.ivf"),
            List.of("dev.quarry.mining.candidate"),
            List.of("dev.quarry.mining.filter", "dev.quarry.mining.sample", "dev.quarry.mining.strategy"),
            List.of("dev.quarry.mining"),
            List.of("dev.quarry.io", "dev.quarry.negatives"),
            List.of("dev.quarry.pipeline"),
            List.of("dev.quarry.synth"),
            List.of("dev.quarry.eval"),
            List.of("dev.quarry.eval.audit", "dev.quarry.tune"));

    private static JavaClasses engine;

    @BeforeAll
    static void importEngine() {
        engine = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.quarry");
    }

    @Test
    void everyDependencyPointsDownTheLayers() {
        dependOnlyDownward().check(engine);
    }

    @Test
    void noPackagesFormACycle() {
        slices().matching("dev.quarry.(**)").should().beFreeOfCycles().check(engine);
    }

    @Test
    void onlyVectorInternalUsesTheIncubatingVectorApi() {
        noClasses().that().resideOutsideOfPackage("dev.quarry.vector.internal")
                .should().dependOnClassesThat().resideInAPackage("jdk.incubator.vector..")
                .check(engine);
    }

    @Test
    void onlyTheNegativesStoreUsesChronicle() {
        // Chronicle Map takes seconds to start (class generation) and needs JVM flags: it stays in one package,
        // which only the code paths that use a store load.
        noClasses().that().resideOutsideOfPackage("dev.quarry.negatives")
                .should().dependOnClassesThat().resideInAPackage("net.openhft..")
                .check(engine);
    }

    @Test
    void everyEnginePackageHasALayer() {
        assertTrue(engine.size() > 100, "the engine's classes were found: " + engine.size());
        for (JavaClass c : engine) {
            assertFalse(layerOf(c.getPackageName()) < 0, c.getName() + " is in a package missing from LAYERS");
        }
    }

    @Test
    void theRuleBitesOnAnUpwardImport() {
        // The rule must fail on a real upward dependency: store -> pipeline would be one.
        JavaClasses upward = new ClassFileImporter().importClasses(UpwardFixture.class,
                dev.quarry.pipeline.MiningRunner.class);
        assertThrows(AssertionError.class, () -> dependOnlyDownward().allowEmptyShould(true).check(upward));
    }

    /** Stands in for a store class that imports the pipeline (it is placed in store's layer by name). */
    static final class UpwardFixture {
        @SuppressWarnings("unused")
        private dev.quarry.pipeline.MiningRunner runner;
    }

    private static ArchRule dependOnlyDownward() {
        return classes().that().resideInAPackage("dev.quarry..").should(new ArchCondition<>("depend only on"
                + " their own package and lower layers") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                String from = c.getPackageName();
                if (c.getName().endsWith("LayeringTest$UpwardFixture")) {
                    from = "dev.quarry.store";
                }
                int mine = layerOf(from);
                for (Dependency d : c.getDirectDependenciesFromSelf()) {
                    String to = d.getTargetClass().getPackageName();
                    if (!to.startsWith("dev.quarry") || to.equals(from)) {
                        continue;
                    }
                    int theirs = layerOf(to);
                    if (theirs < 0 || mine < 0 || theirs >= mine) {
                        events.add(SimpleConditionEvent.violated(d, d.getDescription() + " (" + from + " is layer "
                                + mine + ", " + to + " is layer " + theirs + ")"));
                    }
                }
            }
        });
    }

    private static int layerOf(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).contains(pkg)) {
                return i;
            }
        }
        return -1;
    }
}
