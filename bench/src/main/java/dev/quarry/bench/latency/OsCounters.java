package dev.quarry.bench.latency;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the operating system saw around each call of a series, read from {@code /proc} after the call (outside
 * its timing): the machine's steal time ({@code /proc/stat}, in ticks), the process's page faults
 * ({@code /proc/self/stat}), and for the calling thread and the search pool's workers their time on a CPU and
 * waiting for one ({@code schedstat}, nanoseconds) and their involuntary context switches ({@code status}).
 * One CSV line per call, the counters as differences from the line before, so a slow call can be set beside
 * what the machine did meanwhile. Reading costs a few tens of microseconds a call: for series whose calls leave
 * that much room (a fixed rate of 64-anchor calls), not for back-to-back single-anchor calls.
 */
final class OsCounters implements AutoCloseable {
    private final Writer out;
    private final List<Path> threads = new ArrayList<>();
    private long[] last;

    /** Counts for the calling thread and every thread whose name starts with {@code workerPrefix}, into {@code csv}. */
    OsCounters(Path csv, String workerPrefix) throws IOException {
        threads.add(Path.of("/proc/thread-self"));
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String comm = Files.readString(task.resolve("comm")).trim();
                if (comm.startsWith(workerPrefix)) {
                    threads.add(task);
                }
            }
        }
        out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("call,due_ms,latency_ms,steal_ticks,minflt,majflt");
        for (int t = 0; t < threads.size(); t++) {
            head.append(",t").append(t).append("_run_us,t").append(t).append("_wait_us,t").append(t)
                    .append("_nvcsw");
        }
        out.write(head.append('\n').toString());
        last = read();
    }

    /** Records call {@code call}, due at {@code dueMillis} from the series' start, that took {@code latencyNanos}. */
    void after(long call, double dueMillis, long latencyNanos) {
        long[] now = read();
        StringBuilder line = new StringBuilder();
        line.append(call).append(',').append(String.format(Locale.ROOT, "%.3f,%.4f", dueMillis, latencyNanos / 1e6));
        for (int i = 0; i < now.length; i++) {
            long d = now[i] - last[i];
            // run and wait are nanoseconds: written in microseconds
            boolean nanos = i >= 3 && (i - 3) % 3 != 2;
            line.append(',').append(nanos ? d / 1000 : d);
        }
        last = now;
        try {
            out.write(line.append('\n').toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long[] read() {
        long[] v = new long[3 + 3 * threads.size()];
        try {
            String cpu = Files.readString(Path.of("/proc/stat"));
            String[] f = cpu.substring(0, cpu.indexOf('\n')).trim().split("\\s+");
            v[0] = f.length > 8 ? Long.parseLong(f[8]) : 0; // cpu user nice system idle iowait irq softirq steal
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] s = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            v[1] = Long.parseLong(s[7]); // minflt (field 10)
            v[2] = Long.parseLong(s[9]); // majflt (field 12)
            for (int t = 0; t < threads.size(); t++) {
                String[] sched = Files.readString(threads.get(t).resolve("schedstat")).trim().split(" ");
                v[3 + 3 * t] = Long.parseLong(sched[0]);
                v[4 + 3 * t] = Long.parseLong(sched[1]);
                for (String l : Files.readAllLines(threads.get(t).resolve("status"))) {
                    if (l.startsWith("nonvoluntary_ctxt_switches:")) {
                        v[5 + 3 * t] = Long.parseLong(l.substring(l.indexOf(':') + 1).trim());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return v;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
