package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.options.CommandFlags;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A flag of a {@link dev.quarry.options.CommandSetting} is written once, in {@link CommandFlags}: no command of any
 * tool module spells it as a string literal in its picocli {@code @Option}, where a rename would leave the command
 * and the errors that name the setting disagreeing. Compile-time constants are inlined into the class files, so
 * this reads the sources.
 */
class CommandFlagsWrittenOnceTest {
    private static final Path ROOT = Path.of("../..");
    private static final Pattern OPTION_NAMES = Pattern.compile("@Option\\(\\s*names\\s*=\\s*(\\{[^}]*}|\"[^\"]*\")");

    @Test
    void noToolModuleSpellsACommandSettingsFlagInItsOptions() throws IOException {
        List<String> flags = flags();
        List<String> literals = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT.resolve("tools"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/"))
                    .toList()) {
                literals.addAll(literalFlags(Files.readString(f), flags).stream().map(flag -> ROOT.relativize(f) + " "
                        + flag).toList());
            }
        }
        assertEquals(List.of(), literals, "write these as CommandFlags constants");
    }

    @Test
    void theCheckFindsALiteralFlagInAnOption() {
        String source = "class C {\n  @Option(names = {\"-n\", \"--nlist\"}, description = \"x\")\n  int n;\n"
                + "  @Option(names = CommandFlags.THREADS)\n  int t;\n  @Option(names = \"--output\")\n  String o;\n}";
        assertEquals(List.of("--nlist"), literalFlags(source, flags()));
    }

    private static List<String> literalFlags(String source, List<String> flags) {
        List<String> found = new ArrayList<>();
        Matcher m = OPTION_NAMES.matcher(source);
        while (m.find()) {
            for (String flag : flags) {
                if (m.group(1).contains("\"" + flag + "\"")) {
                    found.add(flag);
                }
            }
        }
        return found;
    }

    private static List<String> flags() {
        assertTrue(Files.isDirectory(ROOT.resolve("tools/cli")), "run from the module's directory: " + ROOT.toAbsolutePath());
        List<String> flags = new ArrayList<>();
        for (Field f : CommandFlags.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    flags.add((String) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        assertTrue(flags.size() > 20, "CommandFlags' constants: " + flags);
        return flags;
    }
}
