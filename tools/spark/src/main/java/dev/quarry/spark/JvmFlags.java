package dev.quarry.spark;

import dev.quarry.QuarryUsageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The JVM flags a Quarry JVM needs (the launcher's {@code ./quarry jvm-flags}; with {@code spark}, Spark's openings
 * too), as the executors of a cluster get them: {@code spark-mine} passes them in
 * {@code spark.executor.extraJavaOptions}, checks a value given with {@code --conf} for them, and each executor
 * checks its own JVM before it opens anything, so a missing flag is Quarry's message naming it, not a stack trace
 * from Agrona or Chronicle Map deep in a task.
 */
final class JvmFlags {
    private static final Properties DECLARED = load();
    private static final List<String> QUARRY = normalized(DECLARED.getProperty("quarry"));
    private static final List<String> SPARK = normalized(DECLARED.getProperty("spark"));

    private JvmFlags() {
    }

    /** The executors' Java options: Quarry's flags then Spark's openings, space-separated. */
    static String executorOptions() {
        List<String> all = new ArrayList<>(QUARRY);
        SPARK.stream().filter(f -> !all.contains(f)).forEach(all::add);
        return String.join(" ", all);
    }

    /** The first of Quarry's flags that {@code javaOptions} (a JVM's options, as in extraJavaOptions) lacks. */
    static Optional<String> missingIn(String javaOptions) {
        List<String> given = normalized(javaOptions == null ? "" : javaOptions);
        return QUARRY.stream().filter(f -> !f.startsWith("--sun-misc-unsafe-memory-access") && !given.contains(f))
                .findFirst();
    }

    /**
     * Refuses to go on in a JVM that lacks one of Quarry's flags, naming it ({@code where} says which JVM: an
     * executor on a host). The flags that leave a trace in the running JVM are checked: modules, exports, openings,
     * native access and the system properties.
     */
    static void requireOnThisJvm(String where) {
        Optional<String> missing = missingOnThisJvm();
        if (missing.isPresent()) {
            throw new QuarryUsageException("spark.executor.extraJavaOptions", "a JVM without " + missing.get() + " ("
                    + where + ")", "Quarry's flags, `./quarry jvm-flags spark` (spark-mine sets them for its master;"
                    + " spark-submit needs --conf spark.executor.extraJavaOptions=\"$(./quarry jvm-flags spark | tr"
                    + " '\\n' ' ')\")");
        }
    }

    /** The first of Quarry's flags this JVM runs without. */
    static Optional<String> missingOnThisJvm() {
        Module self = JvmFlags.class.getModule();
        for (String flag : QUARRY) {
            if (!present(flag, self)) {
                return Optional.of(flag);
            }
        }
        return Optional.empty();
    }

    private static boolean present(String flag, Module self) {
        if (flag.startsWith("--add-modules=")) {
            return ModuleLayer.boot().findModule(flag.substring("--add-modules=".length())).isPresent();
        }
        if (flag.startsWith("--enable-native-access=")) {
            return self.isNativeAccessEnabled();
        }
        boolean opens = flag.startsWith("--add-opens=");
        if (opens || flag.startsWith("--add-exports=")) {
            String target = flag.substring(flag.indexOf('=') + 1); // module/package=ALL-UNNAMED
            String module = target.substring(0, target.indexOf('/'));
            String pkg = target.substring(target.indexOf('/') + 1, target.indexOf('='));
            return ModuleLayer.boot().findModule(module)
                    .map(m -> opens ? m.isOpen(pkg, self) : m.isExported(pkg, self)).orElse(false);
        }
        if (flag.startsWith("-D")) {
            String property = flag.substring(2);
            int eq = property.indexOf('=');
            return property.substring(eq + 1).equals(System.getProperty(property.substring(0, eq)));
        }
        return true; // no trace in the running JVM (--sun-misc-unsafe-memory-access: its default works on JDK 25)
    }

    /** Flags in one spelling: {@code --add-opens X} and {@code --add-opens=X} alike become the latter. */
    static List<String> normalized(String options) {
        List<String> out = new ArrayList<>();
        String[] tokens = options.strip().split("\\s+");
        for (int i = 0; i < tokens.length; i++) {
            String t = tokens[i];
            if (t.isEmpty()) {
                continue;
            }
            if ((t.equals("--add-modules") || t.equals("--add-exports") || t.equals("--add-opens"))
                    && i + 1 < tokens.length) {
                t = t + "=" + tokens[++i];
            }
            out.add(t);
        }
        return out;
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = JvmFlags.class.getResourceAsStream("jvm-flags.properties")) {
            if (in == null) {
                throw new IllegalStateException("jvm-flags.properties is missing from the spark module's jar");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
