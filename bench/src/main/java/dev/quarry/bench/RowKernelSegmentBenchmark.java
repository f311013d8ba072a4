package dev.quarry.bench;

import dev.quarry.vector.KernelMemory;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-row kernels ({@code dot} of a query and a row, {@code dot} of two rows, {@code squaredNorm}) on rows of
 * a memory-mapped file and rows of an arena's memory in one process, as mining runs them (the near-duplicate test
 * on the mapped corpus, the centroid graph on the index's centroids in an arena):
 * <ul>
 *   <li>{@code kinds = mixed}: the segments as they are, two classes. Before each fork measures, the kernel runs
 *   on the mapped file alone until compiled (what a process that scans its corpus first does), then every
 *   operation reads both segments.</li>
 *   <li>{@code kinds = one}: the mapped file handed out as {@link KernelMemory#of} gives it, as the stores and
 *   the index do: one class.</li>
 * </ul>
 * An operation scores every row of both segments ({@link #ROWS} x 2 dot products of {@code dim} components), so
 * GFLOP/s = 2 x ROWS x 2 x dim / (ns per operation).
 * Run: {@code java -jar bench/target/quarry-bench.jar RowKernelSegmentBenchmark}. On a machine shared with other
 * work, where wall time per operation is too spread to compare, {@link #main} times the same operations by the
 * thread's CPU time in one JVM per kind (run the kinds' JVMs in turn):
 * {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
 * -cp bench/target/quarry-bench.jar dev.quarry.bench.RowKernelSegmentBenchmark mixed|one [rounds]}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx1g"})
public class RowKernelSegmentBenchmark {
    /** Rows of each segment: 2 x 1.5 MB at d = 384, within the last-level cache. */
    public static final int ROWS = 1024;

    @Param({"384"})
    public int dim;

    @Param({"mixed", "one"})
    public String kinds;

    private Arena arena;
    private Path file;
    private VectorKernels kernels;
    private MemorySegment mapped;
    private MemorySegment memory;
    private float[] query;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        kernels = VectorKernelsProvider.panama();
        arena = Arena.ofShared();
        long bytes = 4L * dim * ROWS;
        file = Files.createTempFile("quarry-row-kernels", ".f32");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
        }
        for (long i = 0; i < (long) dim * ROWS; i++) {
            mapped.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.sin(0.37 * i));
        }
        memory = arena.allocate(bytes, 64).copyFrom(mapped);
        if (kinds.equals("one")) {
            mapped = KernelMemory.of(mapped);
        }
        query = new float[dim];
        for (int i = 0; i < dim; i++) {
            query[i] = (float) Math.cos(0.11 * i);
        }
        // The mapped file first, until C2 has compiled the kernels for what it saw.
        for (int round = 0; round < 3000; round++) {
            sweep(mapped);
            norms(mapped);
            pairs(mapped);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        arena.close();
        Files.deleteIfExists(file);
    }

    private float sweep(MemorySegment rows) {
        float s = 0;
        long stride = 4L * dim;
        for (int r = 0; r < ROWS; r++) {
            s += kernels.dot(query, rows, stride * r, dim);
        }
        return s;
    }

    private float norms(MemorySegment rows) {
        float s = 0;
        long stride = 4L * dim;
        for (int r = 0; r < ROWS; r++) {
            s += kernels.squaredNorm(rows, stride * r, dim);
        }
        return s;
    }

    private float pairs(MemorySegment rows) {
        float s = 0;
        long stride = 4L * dim;
        for (int r = 0; r < ROWS; r++) {
            s += kernels.dot(rows, stride * r, rows, stride * (ROWS - 1 - r), dim);
        }
        return s;
    }

    /**
     * Sets up one kind ({@code args[0]}: mixed or one) as a fork would, then times {@code args[1]} rounds (default
     * 8) of each operation, 500 operations a round, by the thread's CPU time; prints, per operation, the median
     * and range of the rounds in CPU nanoseconds an operation and GFLOP a CPU-second.
     */
    public static void main(String[] args) throws IOException {
        RowKernelSegmentBenchmark b = new RowKernelSegmentBenchmark();
        b.dim = 384;
        b.kinds = args[0];
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        b.setUp();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        String[] names = {"dot", "squaredNorm", "dotRows"};
        double[][] perOp = new double[names.length][rounds];
        float sink = 0;
        for (int round = 0; round < rounds; round++) {
            for (int m = 0; m < names.length; m++) {
                long t = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < 500; i++) {
                    sink += m == 0 ? b.dot() : m == 1 ? b.squaredNorm() : b.dotRows();
                }
                perOp[m][round] = (threads.getCurrentThreadCpuTime() - t) / 500.0;
            }
        }
        double flop = 2.0 * ROWS * 2 * b.dim;
        for (int m = 0; m < names.length; m++) {
            double[] x = perOp[m].clone();
            Arrays.sort(x);
            double median = (x[(rounds - 1) / 2] + x[rounds / 2]) / 2;
            System.out.printf("%s kinds=%s cpu-ns/op median %.0f [%.0f-%.0f] GFLOP/cpu-s %.1f%n", names[m], b.kinds,
                    median, x[0], x[rounds - 1], flop / median);
        }
        System.out.println(sink == 42 ? "" : "done");
        b.tearDown();
    }

    /** {@code dot(query, row)} over every row of both segments. */
    @Benchmark
    public float dot() {
        return sweep(mapped) + sweep(memory);
    }

    /** {@code squaredNorm(row)} over every row of both segments. */
    @Benchmark
    public float squaredNorm() {
        return norms(mapped) + norms(memory);
    }

    /** {@code dot(row, row)} over every row of both segments. */
    @Benchmark
    public float dotRows() {
        return pairs(mapped) + pairs(memory);
    }
}
