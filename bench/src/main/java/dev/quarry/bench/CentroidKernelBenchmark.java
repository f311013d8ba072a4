package dev.quarry.bench;

import dev.quarry.index.TopKCollector;
import dev.quarry.synth.BenchmarkVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.RowPanels;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The coarse stage of a batch search as one thread runs it: a block of {@link #queries} queries against
 * every centroid of an IVF index, each query keeping its {@code nprobe} best, in chunks of
 * {@link #CHUNK} centroids. Two layouts of the same centroids, in the same run:
 * <ul>
 *   <li>{@code rows}: centroids row after row, queries in the vector lanes, each centroid value a scalar
 *   load broadcast ({@link VectorKernels#scoreBlockTopK});</li>
 *   <li>{@code panels}: centroids in panels ({@link RowPanels}), centroids in the lanes as vector loads,
 *   the queries' values broadcast ({@link VectorKernels#scorePanelsTopK}).</li>
 * </ul>
 * Both offer the same scores (same bits), so the top-k is the same. Score = blocks/s, so GFLOP/s =
 * score x 2 x queries x nlist x width / 1e9. Run through {@code bench/kernels.sh}'s JMH jar:
 * {@code java -jar bench/target/quarry-bench.jar CentroidKernelBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx2g"})
public class CentroidKernelBenchmark {
    /** Queries per block: the batch search's coarse chunk (1024), a trainer's half (32) and whole call (64). */
    @Param({"1024"})
    public int queries;
    /** Centroids per kernel call, as the index scores them. */
    public static final int CHUNK = 512;

    /** Centroids. */
    @Param({"1024", "4096"})
    public int nlist;

    /** Components per centroid: 384, plus one for a Euclidean index's bias. */
    @Param({"385"})
    public int width;

    @Param({"2"})
    public int nprobe;

    @Param({"rows", "panels"})
    public String layout;

    private Arena arena;
    private VectorKernels kernels;
    private MemorySegment rows;
    private MemorySegment panels;
    private QueryBlock block;
    private TopKCollector best;

    @Setup(Level.Trial)
    public void setUp() {
        kernels = VectorKernelsProvider.panama();
        arena = Arena.ofShared();
        BenchmarkVectors data = new BenchmarkVectors(BenchmarkVectors.Kind.CLUSTERED, width, 7);
        rows = arena.allocate(4L * width * nlist, 64);
        panels = arena.allocate(4L * width * RowPanels.paddedRows(nlist), 64);
        float[] row = new float[width];
        for (int c = 0; c < nlist; c++) {
            data.corpusRow(c, row, 0);
            for (int i = 0; i < width; i++) {
                rows.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * (width * (long) c + i), row[i]);
                panels.set(ValueLayout.JAVA_FLOAT_UNALIGNED, RowPanels.offset(c, i, width), row[i]);
            }
        }
        block = new QueryBlock(queries, width);
        for (int q = 0; q < queries; q++) {
            data.queryRow(q, nlist, row, 0);
            block.add(row);
        }
        best = new TopKCollector(queries, nprobe);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void coarse(Blackhole bh) {
        best.reset(queries, null);
        boolean inPanels = layout.equals("panels");
        long stride = 4L * width;
        for (int first = 0; first < nlist; first += CHUNK) {
            int n = Math.min(CHUNK, nlist - first);
            best.rowsFrom(first);
            if (inPanels) {
                kernels.scorePanelsTopK(block, panels, RowPanels.offset(first, 0, width), n, best.thresholds(), best);
            } else {
                kernels.scoreBlockTopK(block, rows, stride * first, stride, n, best.thresholds(), best);
            }
        }
        bh.consume(best.thresholds());
    }
}
