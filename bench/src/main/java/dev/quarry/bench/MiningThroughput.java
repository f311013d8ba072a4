package dev.quarry.bench;

import dev.quarry.files.AtomicOutput;
import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.pipeline.MiningReport;
import dev.quarry.pipeline.MiningRequest;
import dev.quarry.pipeline.MiningRunner;
import dev.quarry.synth.BenchmarkVectors;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * End-to-end throughput of exact (flat) mining: the whole {@code quarry mine} path (index search,
 * top-k, filters, JSONL encoding, ordered writing, checkpoints) on clustered benchmark data, for
 * each corpus size and thread count, repeated, after one untimed warm-up run per configuration.
 * Prints a markdown table with anchors/minute, GFLOP/s (2 x d x rows per anchor), the share of the
 * machine's FMA peak (per-core peak measured in the same run x threads used, and x all cores), and
 * the 2-thread / 1-thread ratio.
 *
 * <p>Usage: {@code MiningThroughput --peak GFLOPS --data DIR [--sizes 100000,1000000] [--dim 384]
 * [--anchors 100000=20000,1000000=2000] [--repeats 3] [--output FILE]}
 */
public final class MiningThroughput {
    private MiningThroughput() {
    }

    public static void main(String[] args) throws IOException {
        double peak = Double.NaN;
        Path data = Path.of("bench/data");
        List<Long> sizes = List.of(100_000L, 1_000_000L);
        int dim = 384;
        int repeats = 3;
        Path output = null;
        String cpu = "";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--peak" -> peak = Double.parseDouble(args[++i]);
                case "--data" -> data = Path.of(args[++i]);
                case "--sizes" -> sizes = List.of(args[++i].split(",")).stream().map(Long::parseLong).toList();
                case "--dim" -> dim = Integer.parseInt(args[++i]);
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--output" -> output = Path.of(args[++i]);
                case "--cpu" -> cpu = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Files.createDirectories(data);
        int cores = Runtime.getRuntime().availableProcessors();
        StringBuilder table = new StringBuilder();
        table.append(String.format(Locale.ROOT, "Flat mining end to end, %s%s, d=%d, clustered data, %s kernels; "
                        + "FMA peak %.1f GFLOP/s per core (probe, same run), %d cores.%n%n", LocalDate.now(),
                cpu.isEmpty() ? "" : ", " + cpu, dim, VectorKernelsProvider.get().description(), peak, cores));
        table.append("| corpus | anchors | threads | anchors/min | GFLOP/s | % of peak of threads used | "
                + "% of machine peak | 2T / 1T |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (long size : sizes) {
            int anchors = (int) Math.max(500, Math.min(20_000, 2_000_000_000L / size));
            Path dir = prepare(data, size, dim, anchors);
            Spread one = null;
            for (int threads : new int[] {1, Math.max(2, cores)}) {
                List<Double> rates = new ArrayList<>();
                MiningReport last = null;
                for (int r = -1; r < repeats; r++) { // r = -1: warm-up, not counted
                    last = mine(dir, threads);
                    if (r >= 0) {
                        rates.add(last.anchorsPerSecond());
                        System.err.printf(Locale.ROOT, "corpus %,d, %d thread(s), run %d: %.0f anchors/s%n", size,
                                threads, r + 1, last.anchorsPerSecond());
                    }
                }
                Spread perSecond = Spread.of(rates);
                Spread gflops = perSecond.times(2.0 * dim * size / 1e9);
                if (threads == 1) {
                    one = perSecond;
                }
                table.append(String.format(Locale.ROOT, "| %,d | %,d | %d | %s | %s | %.0f%% | %.0f%% | %s |%n", size,
                        anchors, threads, perSecond.times(60).format(0), gflops.format(1),
                        100 * gflops.median() / (peak * threads), 100 * gflops.median() / (peak * cores),
                        threads == 1 || one == null ? "-"
                                : String.format(Locale.ROOT, "%.2fx", perSecond.median() / one.median())));
            }
        }
        table.append("\nFigures: median [min-max] of the timed runs; each configuration ran once more before, "
                + "untimed (JIT warm-up).\n");
        System.out.println(table);
        if (output != null) {
            Files.writeString(output, table);
        }
    }

    private static MiningReport mine(Path dir, int threads) throws IOException {
        Path out = Files.createTempFile(dir, "mined", ".jsonl");
        try {
            MiningConfig config = MiningConfig.defaults().withNumNegatives(8).withRange(10, 100);
            MiningRequest request = MiningRequest.builder(dir.resolve("corpus.qvec"), dir.resolve("qrels.tsv"), out)
                    .queries(dir.resolve("queries.qvec")).config(config)
                    .outputOptions(new OutputOptions(OutputFormat.N_TUPLE, 8, true, false, false)).threads(threads)
                    .build();
            return new MiningRunner(VectorKernelsProvider.get()).run(request, null);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(out.resolveSibling(out.getFileName() + ".summary.json"));
        }
    }

    /** Writes (once, cached) the corpus, the queries and qrels pairing each query with the row it perturbs. */
    private static Path prepare(Path data, long size, int dim, int anchors) throws IOException {
        Path dir = data.resolve("clustered-" + size + "x" + dim);
        Files.createDirectories(dir);
        BenchmarkVectors vectors = new BenchmarkVectors(BenchmarkVectors.Kind.CLUSTERED, dim, 7);
        PrintWriter progress = new PrintWriter(System.err, true);
        if (!Files.exists(dir.resolve("corpus.qvec"))) {
            vectors.write(dir.resolve("corpus.qvec"), size, 0, progress);
        }
        Path queries = dir.resolve("queries.qvec");
        if (!Files.exists(queries) || Files.size(queries) != 4096 + 4L * dim * anchors) {
            vectors.write(queries, anchors, size, progress);
            try (AtomicOutput out = AtomicOutput.create(dir.resolve("qrels.tsv"))) {
                Writer w = Channels.newWriter(out.channel(), StandardCharsets.UTF_8);
                for (int q = 0; q < anchors; q++) {
                    w.write(q + "\t" + vectors.sourceRow(q, size) + "\t1\n");
                }
                w.flush();
                out.commit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }
}
