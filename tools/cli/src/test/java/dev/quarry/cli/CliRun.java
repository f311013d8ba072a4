package dev.quarry.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One in-process run of the command line as {@code main} runs it (with whatever tool modules are on the class
 * path), with what it printed. Shared with the tool modules' tests through this module's test jar.
 */
public record CliRun(int exitCode, String out, String err) {

    public static CliRun of(Object... args) {
        String[] argv = argv(args);
        return of(QuarryMain.commandLine(argv), args); // as main builds it: only the command named first
    }

    /** A run of {@code cmd}, a command line built for these arguments or for any. */
    static CliRun of(CommandLine cmd, Object... args) {
        String[] argv = argv(args);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(argv);
        return new CliRun(code, out.toString(), err.toString());
    }

    private static String[] argv(Object... args) {
        String[] argv = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            argv[i] = String.valueOf(args[i]);
        }
        return argv;
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
