package dev.quarry.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.Door;
import dev.quarry.options.MineSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The rules every tool module keeps (shared through this module's test jar): it uses the command line only
 * through the classes it is allowed ({@link ToolCommand}, {@link ExitCodes}, ... : never another module's
 * internals, so the server does not parse requests with the command line's classes), and no picocli option
 * of it is named like a setting of the request schema (those are declared in {@code dev.quarry.options}
 * alone and reach a command through {@link SchemaOptions}).
 */
public final class ToolModuleRules {
    private ToolModuleRules() {
    }

    /** The main classes of {@code pkg} (and its sub-packages). */
    public static JavaClasses mainClassesOf(String pkg) {
        return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS).importPackages(pkg);
    }

    /** Classes of {@code pkg} depend on {@code dev.quarry.cli} through {@code allowed} only. */
    public static ArchRule usesOfTheCommandLineOnly(String pkg, Class<?>... allowed) {
        Set<String> names = Arrays.stream(allowed).map(Class::getName).collect(Collectors.toSet());
        return classes().that().resideInAPackage(pkg + "..").should(new ArchCondition<>("use of the command line"
                + " only " + names) {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                for (Dependency d : c.getDirectDependenciesFromSelf()) {
                    JavaClass target = d.getTargetClass();
                    String outer = target.getName().split("\\$")[0];
                    if (target.getPackageName().equals("dev.quarry.cli") && !names.contains(outer)) {
                        events.add(SimpleConditionEvent.violated(d, d.getDescription()));
                    }
                }
            }
        });
    }

    /**
     * No picocli {@code @Option} of a command that takes a mining request ({@link SchemaOptions.Mines}) or of
     * the request's input options in {@code pkg} is named like a setting of the request schema. (Other commands
     * may have settings of their own under such a name: an index build's k-means {@code --seed}, an evaluation's
     * sweep of {@code --nprobe} values.)
     */
    public static ArchRule declaresNoSchemaOptionName(String pkg) {
        List<String> schema = MineSettings.ALL.stream().map(Door.CLI::name).toList();
        return fields().that().areAnnotatedWith(Option.class).and().areDeclaredInClassesThat()
                .resideInAPackage(pkg + "..").and().areDeclaredInClassesThat(
                        com.tngtech.archunit.base.DescribedPredicate.describe("take a mining request",
                                (JavaClass c) -> c.isAssignableTo(SchemaOptions.Mines.class)
                                        || c.isEquivalentTo(MiningInputOptions.class))).should(new ArchCondition<>("not be named like a schema setting") {
                    @Override
                    public void check(JavaField f, ConditionEvents events) {
                        for (String name : f.getAnnotationOfType(Option.class).names()) {
                            if (schema.contains(name)) {
                                events.add(SimpleConditionEvent.violated(f, f.getFullName() + " declares " + name
                                        + ", a setting of the request schema: take it from SchemaOptions"));
                            }
                        }
                    }
                }).allowEmptyShould(true);
    }

    /**
     * The flags of {@code settings} that no option of a {@code quarry} command takes, among the commands found on
     * this module's class path: an error naming such a flag would point at nothing the user can type.
     */
    public static List<String> flagsNoCommandTakes(Collection<CommandSetting> settings) {
        Set<String> options = new HashSet<>();
        collectOptions(QuarryMain.commandLine(), options);
        List<String> missing = new ArrayList<>();
        for (CommandSetting s : settings) {
            if (!options.contains(s.flag())) {
                missing.add(s + " " + s.flag());
            }
        }
        return missing;
    }

    private static void collectOptions(CommandLine cmd, Set<String> into) {
        for (CommandLine.Model.OptionSpec o : cmd.getCommandSpec().options()) {
            into.addAll(List.of(o.names()));
        }
        cmd.getSubcommands().values().forEach(sub -> collectOptions(sub, into));
    }
}
