package dev.quarry.cli;

import dev.quarry.options.Door;
import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import dev.quarry.options.Setting;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command line's door onto the request schema: one picocli option per setting of
 * {@link MineSettings} that the command line takes, named {@code --kebab-case}, built from the declaration
 * (meaning and default in the help), so no option of a mining request is declared here. picocli only
 * matches names and hands over the text; reading and checking the text is the schema's
 * ({@link Setting#parse}), so the command line refuses exactly what the service and Spark refuse.
 *
 * <p>A command that mines holds one as a field and implements {@link Mines}; {@link QuarryMain} adds the
 * options to every such command when it builds the command line. Public so a tool module
 * ({@code quarry spark-mine}) can use it.
 */
public final class SchemaOptions {
    /** A command whose options include the mining request's settings. */
    public interface Mines {
        /** The command's holder of the settings typed. */
        SchemaOptions schemaOptions();
    }

    private final Map<Setting<?>, String> typed = new LinkedHashMap<>();
    private final List<Setting<?>> settings;

    /** Every setting the command line takes. */
    public SchemaOptions() {
        this.settings = MineSettings.of(Door.CLI);
    }

    /** Only these settings (a command that takes a few, such as the server's default nprobe). */
    public SchemaOptions(Setting<?>... only) {
        this.settings = List.of(only);
    }

    /** Adds an option per setting to {@code spec}. */
    void addTo(CommandSpec spec) {
        for (Setting<?> s : settings) {
            boolean onOff = s.kind() == Setting.Kind.SWITCH;
            OptionSpec.Builder option = OptionSpec.builder(Door.CLI.name(s))
                    .description(description(s))
                    .paramLabel(label(s))
                    .type(onOff ? boolean.class : String.class)
                    .arity(onOff ? "0" : "1")
                    .hasInitialValue(false) // only what the user typed reaches the setter: defaults are the schema's
                    .setter(new CommandLine.Model.ISetter() {
                        @Override
                        public <T> T set(T value) {
                            if (value != null) {
                                typed.put(s, String.valueOf(value));
                            }
                            return null;
                        }
                    });
            spec.addOption(option.build());
            if (onOff && Boolean.TRUE.equals(s.defaultValue())) {
                // a switch on by default is switched off by name: --no-leave-out-short
                spec.addOption(OptionSpec.builder(negated(s)).description("Turns " + Door.CLI.name(s) + " off.")
                        .type(boolean.class).arity("0").hasInitialValue(false)
                        .setter(new CommandLine.Model.ISetter() {
                            @Override
                            public <T> T set(T value) {
                                if (value != null) {
                                    typed.put(s, "false");
                                }
                                return null;
                            }
                        }).build());
            }
        }
    }

    /** The command line's name that switches {@code setting} (a switch on by default) off: {@code --no-NAME}. */
    public static String negated(Setting<?> setting) {
        return "--no-" + Door.CLI.name(setting).substring(2);
    }

    private static String description(Setting<?> s) {
        boolean hasDefault = s.defaultText() != null && s.kind() != Setting.Kind.SWITCH;
        boolean onByDefault = s.kind() == Setting.Kind.SWITCH && Boolean.TRUE.equals(s.defaultValue());
        return s.meaning() + (hasDefault ? " (default: " + s.defaultText() + ")" : onByDefault ? " (default: on)" : "");
    }

    private static String label(Setting<?> s) {
        return switch (s.kind()) {
            case INTEGER, LONG -> "<n>";
            case NUMBER -> s.offable() ? "<x|off>" : "<x>";
            case CHOICE -> "<" + String.join("|", s.choices()) + ">";
            case SWITCH -> "";
        };
    }

    /** Whether the user typed {@code setting}. */
    public boolean given(Setting<?> setting) {
        return typed.containsKey(setting);
    }

    /**
     * The settings typed, read and checked by the schema.
     *
     * @throws dev.quarry.options.OptionError for a value the schema refuses (exit code 2, named by its flag)
     */
    public MineOptions options() {
        return options(MineOptions.defaults());
    }

    /**
     * The settings typed over {@code base} (an options file's): what the user typed wins.
     *
     * @throws dev.quarry.options.OptionError for a value the schema refuses, or settings that do not go together
     */
    public MineOptions options(MineOptions base) {
        MineOptions.Builder b = base.toBuilder();
        typed.forEach(b::parse);
        return b.build();
    }
}
