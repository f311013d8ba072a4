package dev.quarry.cli;

import java.util.Locale;
import picocli.CommandLine;

/**
 * Converters for numeric options. A number option never takes NaN or an infinity: {@code NaN} would
 * compare false with everything and silently switch a filter off. A filter that can be off says so
 * with its own word, {@code off}.
 */
final class NumberOptions {
    private NumberOptions() {
    }

    /** A finite number. */
    static final class Finite implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            return parse(value);
        }
    }

    /** A finite number, or {@code off} (the filter is not applied). */
    static final class FiniteOrOff implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            if (value.strip().toLowerCase(Locale.ROOT).equals("off")) {
                return Double.NaN;
            }
            return parse(value);
        }
    }

    /** A rank (an integer >= 1), or {@code off}: 0. */
    static final class RankOrOff implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            String v = value.strip();
            if (v.toLowerCase(Locale.ROOT).equals("off")) {
                return 0;
            }
            try {
                int rank = Integer.parseInt(v);
                if (rank >= 1) {
                    return rank;
                }
            } catch (NumberFormatException e) {
                // refused below
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a rank (an integer >= 1) or off");
        }
    }

    private static double parse(String value) {
        double d;
        try {
            d = Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a number");
        }
        if (!Double.isFinite(d)) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a finite number (write 'off'"
                    + " where the option can be switched off)");
        }
        return d;
    }
}
