package dev.quarry.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A child process whose stdout and stderr go to files (no pipe to fill), waited for with a deadline. */
record Exec(Process process, Path outFile, Path errFile) {
    static Exec start(List<String> command, Path prefix) throws IOException {
        Path out = Path.of(prefix + ".out");
        Path err = Path.of(prefix + ".err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new Exec(p, out, err);
    }

    /** Waits for the exit; past {@code seconds} the process is killed and the wait fails. */
    void awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("still running after " + seconds + " s: " + this);
        }
    }

    int exitCode() {
        return process.exitValue();
    }

    String out() {
        return read(outFile);
    }

    String err() {
        return read(errFile);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public String toString() {
        return "exit " + (process.isAlive() ? "(running)" : process.exitValue()) + "\n--- stdout\n" + out()
                + "--- stderr (last 6000 chars)\n" + tail(err(), 6000);
    }

    private static String tail(String s, int n) {
        return s.length() <= n ? s : "..." + s.substring(s.length() - n);
    }
}
