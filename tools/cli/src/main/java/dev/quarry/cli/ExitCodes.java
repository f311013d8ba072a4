package dev.quarry.cli;

/** The exit codes of every Quarry command. */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** A failure that is not the user's data: I/O error, bug, out of memory. */
    public static final int FAILURE = 1;
    /** The command line itself is wrong: unknown option, missing or out-of-range value. */
    public static final int USAGE = 2;
    /** The user's data or paths are wrong: malformed or unreadable input, unwritable output. */
    public static final int DATA = 3;

    private ExitCodes() {
    }
}
