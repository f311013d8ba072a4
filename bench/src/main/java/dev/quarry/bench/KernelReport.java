package dev.quarry.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link KernelBenchmark} and prints a markdown table: GFLOP/s of the scalar and SIMD kernels
 * (median and range over every measured iteration of every fork), the SIMD/scalar ratio and the
 * share of one core's FMA peak, which the caller measures with {@code bench/probe/fma_peak.c} in the
 * same run and passes with {@code --peak}.
 *
 * <p>Usage: {@code KernelReport --peak 252.7 [--forks 2] [--quick] [--output file.md] [--jvm-arg -XX:UseAVX=2]}
 */
public final class KernelReport {
    private KernelReport() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        double peak = Double.NaN;
        int forks = 2;
        boolean quick = false;
        Path output = null;
        String cpu = "";
        List<String> jvmArgs = new ArrayList<>(List.of("-Dchronicle.analytics.disable=true"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--peak" -> peak = Double.parseDouble(args[++i]);
                case "--forks" -> forks = Integer.parseInt(args[++i]);
                case "--quick" -> quick = true;
                case "--output" -> output = Path.of(args[++i]);
                case "--cpu" -> cpu = args[++i];
                case "--jvm-arg" -> jvmArgs.add(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; expected --peak GFLOPS [--forks N] [--quick] [--output FILE] [--cpu NAME] [--jvm-arg ARG]...");
            }
        }
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(KernelBenchmark.class.getName())
                .forks(forks)
                .jvmArgsAppend(jvmArgs.toArray(String[]::new));
        if (quick) {
            options.warmupIterations(2).warmupTime(TimeValue.milliseconds(500))
                    .measurementIterations(3).measurementTime(TimeValue.milliseconds(500))
                    .param("dim", "384");
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        String table = table(results, peak, cpu);
        System.out.println();
        System.out.println(table);
        if (output != null) {
            Files.writeString(output, table);
        }
    }

    /** Renders the results as a markdown table. */
    static String table(Collection<RunResult> results, double peak, String cpu) {
        // kernel -> dim -> impl -> GFLOP/s spread
        Map<String, Map<Integer, Map<String, Spread>>> by = new TreeMap<>();
        for (RunResult run : results) {
            String label = run.getParams().getBenchmark();
            String kernel = label.substring(label.lastIndexOf('.') + 1);
            int dim = Integer.parseInt(run.getParams().getParam("dim"));
            String impl = run.getParams().getParam("impl");
            List<Double> scores = new ArrayList<>();
            for (BenchmarkResult fork : run.getBenchmarkResults()) {
                for (IterationResult it : fork.getIterationResults()) {
                    scores.add(it.getPrimaryResult().getScore());
                }
            }
            Spread gflops = Spread.of(scores).times(KernelBenchmark.flopsPerOp(kernel, dim) / 1e9);
            by.computeIfAbsent(kernel, k -> new TreeMap<>()).computeIfAbsent(dim, d -> new TreeMap<>())
                    .put(impl, gflops);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Kernels, one thread, %s%s; FMA peak of one core %.1f GFLOP/s "
                + "(bench/probe/fma_peak.c, same run).%n%n", LocalDate.now(), cpu.isEmpty() ? "" : ", " + cpu, peak));
        sb.append("| kernel | d | scalar GFLOP/s | SIMD GFLOP/s | SIMD / scalar | SIMD % of peak |\n");
        sb.append("|---|---:|---:|---:|---:|---:|\n");
        for (var kernel : by.entrySet()) {
            for (var dim : kernel.getValue().entrySet()) {
                Spread scalar = dim.getValue().get("scalar");
                Spread simd = dim.getValue().get("simd");
                sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s |%n", kernel.getKey(), dim.getKey(),
                        scalar == null ? "-" : scalar.format(2), simd == null ? "-" : simd.format(1),
                        scalar == null || simd == null ? "-"
                                : String.format(Locale.ROOT, "%.1fx", simd.median() / scalar.median()),
                        simd == null || Double.isNaN(peak) ? "-"
                                : String.format(Locale.ROOT, "%.0f%% [%.0f-%.0f]", 100 * simd.median() / peak,
                                        100 * simd.min() / peak, 100 * simd.max() / peak)));
            }
        }
        sb.append("\nFigures: median [min-max] over every measured iteration of every fork.\n");
        return sb.toString();
    }
}
