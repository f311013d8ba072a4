package dev.quarry.cli;

import picocli.CommandLine;

/**
 * The {@code --threads} value every command accepts: at least 1, at most four per core. More
 * threads than that only wait for each other, and a typo such as {@code --threads 1000000} would
 * start threads one by one for minutes before doing any work.
 */
final class ThreadCount {
    private ThreadCount() {
    }

    /** The threads to use: {@code requested}, or every core when null. */
    static int resolve(Integer requested, CommandLine commandLine) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (requested == null) {
            return cores;
        }
        int max = 4 * cores;
        if (requested < 1 || requested > max) {
            throw new CommandLine.ParameterException(commandLine, "--threads=" + requested + ", expected 1 <= threads <= "
                    + max + " (four per core on this machine's " + cores + " cores)");
        }
        return requested;
    }
}
