package dev.quarry.cli;

import dev.quarry.QuarryUsageException;
import dev.quarry.mining.MiningConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quarry mine}'s mining options read from name/value pairs (a service request's query
 * parameters or JSON fields) by the very parser the command line uses: the same names, defaults,
 * checks and messages, so a request and a command with the same options mine the same negatives.
 * Output-only options (format, scores, soft labels) are not among them: a service answers with
 * scores and ranks always.
 */
public final class MiningFlags {
    private static final Set<String> OUTPUT_ONLY = Set.of("output-format", "output-scores", "output-ranks",
            "soft-labels", "include-positives");

    /** The options of one request: the mining configuration, and nprobe when it was given. */
    public record Parsed(MiningConfig config, Integer nprobe) {
    }

    /** A value refused: the option's name (without dashes), the value, and what was expected. */
    public static final class Refused extends QuarryUsageException {
        private static final long serialVersionUID = 1L;
        private final String value;
        private final String expected;

        Refused(String name, String value, String expected) {
            super(name, value, expected);
            this.value = value;
            this.expected = expected;
        }

        /** The value as given. */
        public String value() {
            return value;
        }

        /** What would have been accepted. */
        public String expected() {
            return expected;
        }
    }

    @Command(name = "options")
    static final class Holder {
        @CommandLine.Mixin
        MiningOptions mining = new MiningOptions();

        @Option(names = "--nprobe")
        Integer nprobe;
    }

    /** The names, read once from the options' annotations. */
    private static final Set<String> NAMES = readNames();

    /**
     * Options already read, by their name/value pairs: a trainer sends the same few sets call after call,
     * and building the parser costs more than a small call's mining (it reads every option's annotations).
     * Bounded: cleared when it holds {@value #CACHED} sets.
     */
    private static final Map<Map<String, String>, Parsed> PARSED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int CACHED = 1024;

    private MiningFlags() {
    }

    /** The names a request may use: {@code quarry mine}'s mining flags without their dashes, and nprobe. */
    public static Set<String> names() {
        return NAMES;
    }

    private static Set<String> readNames() {
        Set<String> names = new TreeSet<>();
        for (CommandLine.Model.OptionSpec option : new CommandLine(new Holder()).getCommandSpec().options()) {
            String name = option.longestName().substring(2);
            if (!OUTPUT_ONLY.contains(name)) {
                names.add(name);
            }
        }
        return java.util.Collections.unmodifiableSet(names);
    }

    /**
     * Reads {@code values} (name without dashes to text; a switch takes {@code true} or {@code false}).
     *
     * @throws Refused for an unknown name or a value the command line would refuse
     */
    public static Parsed parse(Map<String, String> values) {
        Parsed known = PARSED.get(values);
        if (known != null) {
            return known;
        }
        Parsed parsed = read(values);
        // Map.of rejects even a query for null: look at the entries instead
        if (values.entrySet().stream().noneMatch(e -> e.getKey() == null || e.getValue() == null)) {
            if (PARSED.size() >= CACHED) {
                PARSED.clear();
            }
            PARSED.put(Map.copyOf(values), parsed);
        }
        return parsed;
    }

    private static Parsed read(Map<String, String> values) {
        Set<String> names = NAMES;
        CommandLine cmd = new CommandLine(new Holder());
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String name = e.getKey();
            String value = e.getValue() == null ? "" : e.getValue();
            // A switch that is on by default is switched off as no-NAME (true) or NAME=false.
            boolean negated = name != null && name.startsWith("no-") && names.contains(name.substring(3))
                    && cmd.getCommandSpec().findOption("--" + name.substring(3)).negatable();
            if (negated) {
                name = name.substring(3);
            }
            if (!names.contains(name)) {
                throw new Refused(name, value, "one of the mining options " + String.join(", ", names));
            }
            CommandLine.Model.OptionSpec option = cmd.getCommandSpec().findOption("--" + name);
            if (option.arity().max() == 0) {
                boolean on = switch (value.strip().toLowerCase(Locale.ROOT)) {
                    case "true", "" -> true;
                    case "false" -> false;
                    default -> throw new Refused(e.getKey(), value, "true or false");
                };
                if (on != negated) {
                    args.add("--" + name);
                } else if (option.negatable()) {
                    args.add("--no-" + name);
                }
            } else {
                args.add("--" + name + "=" + value);
            }
        }
        try {
            cmd.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            String name = e.getArgSpec() instanceof CommandLine.Model.OptionSpec o ? o.longestName().substring(2)
                    : "options";
            throw new Refused(name, values.getOrDefault(name, ""), expected(e.getArgSpec(), e.getMessage()));
        }
        Holder holder = cmd.getCommand();
        try {
            return new Parsed(holder.mining.config(), holder.nprobe);
        } catch (QuarryUsageException e) {
            // A message about several fields ("rangeMin=50 rangeMax=10, expected ...") is the first one's.
            java.util.regex.Matcher lead = java.util.regex.Pattern.compile("^([a-z][A-Za-z0-9]*)=").matcher(
                    e.getMessage());
            String field = e.field() != null ? e.field() : lead.find() ? lead.group(1) : null;
            String flag = field == null ? null : FlagNames.flag(field);
            String message = FlagNames.toFlags(e.getMessage());
            int at = message.indexOf(", expected ");
            if (flag == null || at < 0) {
                throw new Refused("options", "", message);
            }
            String name = flag.substring(2);
            throw new Refused(name, values.getOrDefault(name, ""), message.substring(at + ", expected ".length()));
        }
    }

    private static String expected(CommandLine.Model.ArgSpec spec, String message) {
        if (spec == null) {
            return message;
        }
        Class<?> type = spec.type();
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "an integer";
        }
        if (type == double.class || type == Double.class) {
            boolean off = spec instanceof CommandLine.Model.OptionSpec o && o.converters().length > 0
                    && o.converters()[0] instanceof NumberOptions.FiniteOrOff;
            return off ? "a finite number (or off)" : "a finite number";
        }
        return message;
    }
}
