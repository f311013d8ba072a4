package dev.quarry.bench;

import dev.quarry.synth.BenchmarkVectors;
import dev.quarry.vector.FastScanKernel;
import dev.quarry.vector.FastScanLayout;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
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
 * The fast-scan kernel (4-bit product-quantization codes scored by table look-ups) against the kernels of
 * float32 and int8 lists, on the same number of rows as the real sentence-embedding set (208,384 rows of 384
 * components, so each format has its real footprint: 320 MB of float32 rows, 80 MB of int8 codes, 5 or 10 MB
 * of 4-bit codes at 48 or 96 sub-spaces), {@code queries} queries against the next {@link #LIST_ROWS} rows
 * each call, cycling through all of them:
 *
 * <ul>
 *   <li>{@code floatList}, {@code codeList}: {@code VectorKernels.scorePanelsTopK} / {@code scoreCodePanelsTopK}
 *   with thresholds of +infinity (every score computed, none offered), as {@code QuantizedKernelBenchmark};</li>
 *   <li>{@code fastScan48}, {@code fastScan96}: {@link FastScanKernel#score} with random uint8 tables (the
 *   kernel's cost does not depend on the values) over random codes.</li>
 * </ul>
 * Score = rows/s (each row scored for every query); codes GB/s = score x bytes a row (1,536, 384, 24, 48)
 * / 1e9; row-query pairs/s = score x queries. Only scoring: no top-R selection, no rescoring.
 * Run: {@code java -jar bench/target/quarry-bench.jar FastScanBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 6, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx2g"})
public class FastScanBenchmark {
    /** Rows scored per call: a multiple of the panels (16) and of the fast-scan blocks (32). */
    public static final int LIST_ROWS = 256;
    /** The real set's row count rounded up to whole calls. */
    private static final int ROWS = (208_284 + LIST_ROWS - 1) / LIST_ROWS * LIST_ROWS;
    private static final int DIM = 384;

    @Param({"1", "4", "16", "64"})
    public int queries;

    private VectorKernels kernels;
    private FastScanKernel fastScan;
    private Arena arena;
    private MemorySegment floats;
    private MemorySegment codes;
    private MemorySegment pq48;
    private MemorySegment pq96;
    private byte[] tables48;
    private byte[] tables96;
    private int[] sums;
    private int lists;
    private int next;
    private QueryBlock block;
    private PanelLists panels;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        kernels = VectorKernelsProvider.panama();
        fastScan = VectorKernelsProvider.fastScanPanama();
        System.out.println("# " + kernels.description() + "; " + fastScan.description());
        lists = ROWS / LIST_ROWS;
        BenchmarkVectors data = new BenchmarkVectors(BenchmarkVectors.Kind.CLUSTERED, DIM, 7);
        arena = Arena.ofShared();
        // Page-aligned off-heap memory, written once: the scan reads it as it reads mapped lists.
        floats = arena.allocate(4L * DIM * ROWS, 4096);
        codes = arena.allocate((long) DIM * ROWS, 4096);
        float[] row = new float[DIM];
        block = new QueryBlock(queries, DIM);
        for (int q = 0; q < queries; q++) {
            data.queryRow(q, ROWS, row, 0);
            block.add(row);
        }
        panels = new PanelLists(kernels, floats, codes, DIM, LIST_ROWS, block);
        for (int r = 0; r < ROWS; r++) {
            data.queryRow(r, ROWS, row, 0);
            panels.write(r, row);
        }
        SplittableRandom random = new SplittableRandom(5);
        pq48 = packRandom(random, 48);
        pq96 = packRandom(random, 96);
        tables48 = randomTables(random, 48);
        tables96 = randomTables(random, 96);
        sums = new int[queries * LIST_ROWS];
    }

    private MemorySegment packRandom(SplittableRandom random, int m) {
        byte[] rowCodes = new byte[LIST_ROWS * m];
        long listBytes = FastScanLayout.bytes(LIST_ROWS, m);
        MemorySegment packed = arena.allocate(listBytes * lists, 4096);
        for (int list = 0; list < lists; list++) {
            for (int i = 0; i < rowCodes.length; i++) {
                rowCodes[i] = (byte) random.nextInt(16);
            }
            FastScanLayout.pack(rowCodes, LIST_ROWS, m, packed, listBytes * list);
        }
        return packed;
    }

    private byte[] randomTables(SplittableRandom random, int m) {
        int stride = FastScanLayout.tableBytes(m);
        byte[] tables = new byte[queries * stride];
        for (int q = 0; q < queries; q++) {
            for (int i = 0; i < 16 * m; i++) {
                tables[q * stride + i] = (byte) random.nextInt(256);
            }
        }
        return tables;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    private int nextList() {
        next = next + 1 == lists ? 0 : next + 1;
        return next;
    }

    @Benchmark
    @OperationsPerInvocation(LIST_ROWS)
    public void floatList(Blackhole bh) {
        bh.consume(panels.floatList(nextList()));
    }

    @Benchmark
    @OperationsPerInvocation(LIST_ROWS)
    public void codeList(Blackhole bh) {
        bh.consume(panels.codeList(nextList()));
    }

    @Benchmark
    @OperationsPerInvocation(LIST_ROWS)
    public void fastScan48(Blackhole bh) {
        fastScan.score(tables48, queries, 48, pq48, FastScanLayout.bytes(LIST_ROWS, 48) * nextList(), LIST_ROWS, sums);
        bh.consume(sums);
    }

    @Benchmark
    @OperationsPerInvocation(LIST_ROWS)
    public void fastScan96(Blackhole bh) {
        fastScan.score(tables96, queries, 96, pq96, FastScanLayout.bytes(LIST_ROWS, 96) * nextList(), LIST_ROWS, sums);
        bh.consume(sums);
    }
}
