package dev.quarry.bench;

import dev.quarry.store.QvecWriter;
import dev.quarry.store.VectorStore;
import dev.quarry.synth.BenchmarkVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.ScalarVectorKernels;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The kernels Quarry spends its time in, scalar against SIMD, on rows read from a memory-mapped
 * {@code .qvec} file larger than the caches (so rows come from memory, as when mining).
 *
 * <ul>
 *   <li>{@code dot}: one query against one row, the same {@link #DOT_ROWS} rows in turn (they stay in
 *   L2, so this is the kernel's own speed: one dot streams two operands per FMA, and from memory it
 *   would measure DRAM bandwidth instead, which is why mining uses the block kernel); score = dots/s,
 *   so GFLOP/s = score x 2 x dim / 1e9.</li>
 *   <li>{@code block}: a block of {@link #BLOCK_QUERIES} queries against the next {@link #BLOCK_ROWS}
 *   rows of the file (the shape the flat index uses); score = blocks/s, so GFLOP/s = score x 2 x
 *   queries x rows x dim / 1e9.</li>
 * </ul>
 * {@link KernelReport} runs this and prints GFLOP/s and ratios; run it through {@code bench/kernels.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx2g"})
public class KernelBenchmark {
    /** Rows scored one by one per dot invocation: at most 1 MiB, L2-resident. */
    public static final int DOT_ROWS = 256;
    /** Queries per block. */
    public static final int BLOCK_QUERIES = 256;
    /** Rows per block. */
    public static final int BLOCK_ROWS = 512;
    /** Bytes of rows in the mapped file: well past the last-level cache. */
    private static final long FILE_BYTES = 256L << 20;

    @Param({"100", "384", "768", "1024"})
    public int dim;

    @Param({"scalar", "simd"})
    public String impl;

    private VectorKernels kernels;
    private Path file;
    private VectorStore store;
    private MemorySegment rows;
    private int rowCount;
    private float[] query;
    private float[] dots;
    private QueryBlock block;
    private float[] scores;
    private int nextRow;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        kernels = impl.equals("scalar") ? new ScalarVectorKernels() : VectorKernelsProvider.panama();
        rowCount = (int) (FILE_BYTES / (4L * dim)) / BLOCK_ROWS * BLOCK_ROWS;
        file = Files.createTempFile("quarry-kernel-bench", ".qvec");
        BenchmarkVectors data = new BenchmarkVectors(BenchmarkVectors.Kind.CLUSTERED, dim, 7);
        data.write(file, rowCount, 0, null);
        store = VectorStore.open(file);
        rows = store.segment();
        query = new float[dim];
        data.queryRow(0, rowCount, query, 0);
        dots = new float[DOT_ROWS];
        block = new QueryBlock(BLOCK_QUERIES, dim);
        float[] q = new float[dim];
        for (int i = 0; i < BLOCK_QUERIES; i++) {
            data.queryRow(i, rowCount, q, 0);
            block.add(q);
        }
        scores = new float[BLOCK_QUERIES * BLOCK_ROWS];
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        store.close();
        Files.deleteIfExists(file);
    }

    @Benchmark
    @OperationsPerInvocation(DOT_ROWS)
    public void dot(Blackhole bh) {
        for (int r = 0; r < DOT_ROWS; r++) {
            dots[r] = kernels.dot(query, rows, store.rowOffset(r), dim);
        }
        bh.consume(dots);
    }

    @Benchmark
    public void block(Blackhole bh) {
        long first = next(BLOCK_ROWS);
        kernels.scoreBlock(block, rows, store.rowOffset(first), store.rowStride(), BLOCK_ROWS, scores);
        bh.consume(scores);
    }

    /** The first of the next {@code n} rows, cycling through the file. */
    private long next(int n) {
        if (nextRow + n > rowCount) {
            nextRow = 0;
        }
        long first = nextRow;
        nextRow += n;
        return first;
    }

    /** Floating-point operations of one operation of {@code benchmark} at {@code dim}. */
    public static double flopsPerOp(String benchmark, int dim) {
        return switch (benchmark) {
            case "dot" -> 2.0 * dim;
            case "block" -> 2.0 * dim * BLOCK_QUERIES * BLOCK_ROWS;
            default -> throw new IllegalArgumentException(benchmark);
        };
    }
}
