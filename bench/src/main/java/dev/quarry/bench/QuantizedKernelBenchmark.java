package dev.quarry.bench;

import dev.quarry.store.VectorStore;
import dev.quarry.synth.BenchmarkVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.ScalarVectorKernels;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * The kernels of an index with int8 lists against those of float32 lists, on data read from memory-mapped
 * files larger than the last-level cache a core sees (as a trainer's call reads lists):
 *
 * <ul>
 *   <li>{@code floatList} / {@code codeList}: {@code queries} queries against the next list of
 *   {@link #LIST_ROWS} rows in panels, float32 or int8 codes, cycling through {@link #FILE_BYTES} of lists;
 *   score = rows/s, so GB/s = score x dim x (4 or 1) / 1e9 and GFLOP/s = score x queries x 2 x dim / 1e9.</li>
 *   <li>{@code rescore}: one query against {@link #RESCORED} rows at random places of a float32 store of
 *   {@link #FILE_BYTES} (an int8 search's rescoring: each row a random read of 4 x dim bytes); score =
 *   rows/s.</li>
 * </ul>
 * Run: {@code java -cp bench/target/quarry-bench.jar org.openjdk.jmh.Main QuantizedKernelBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx2g"})
public class QuantizedKernelBenchmark {
    /** Rows of one list: about a 1M-row index's at nlist 4096. */
    public static final int LIST_ROWS = 256;
    /** Rows rescored per call: a query's candidates at k = 100 and the margin. */
    public static final int RESCORED = 128;
    /** Bytes of the float32 lists (and of the store): beyond the caches of one core. */
    private static final long FILE_BYTES = 768L << 20;
    private static final int DIM = 384;

    @Param({"1", "4"})
    public int queries;

    @Param({"scalar", "simd"})
    public String impl;

    private VectorKernels kernels;
    private Path floatFile;
    private Path codeFile;
    private Arena arena;
    private MemorySegment floats;
    private MemorySegment codes;
    private VectorStore store;
    private int lists;
    private int next;
    private QueryBlock block;
    private PanelLists panels;
    private float[] query;
    private long[] offsets;
    private float[] out;
    private SplittableRandom random;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        kernels = impl.equals("scalar") ? new ScalarVectorKernels() : VectorKernelsProvider.panama();
        lists = (int) (FILE_BYTES / (4L * DIM * LIST_ROWS));
        int rows = lists * LIST_ROWS;
        BenchmarkVectors data = new BenchmarkVectors(BenchmarkVectors.Kind.CLUSTERED, DIM, 7);
        Path storeFile = Files.createTempFile("quarry-quantized-bench", ".qvec");
        data.write(storeFile, rows, 0, null);
        store = VectorStore.open(storeFile);
        Files.delete(storeFile); // mapped: the pages stay until the store is closed
        floatFile = Files.createTempFile("quarry-quantized-bench", ".f32");
        codeFile = Files.createTempFile("quarry-quantized-bench", ".i8");
        arena = Arena.ofShared();
        try (FileChannel f = FileChannel.open(floatFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel c = FileChannel.open(codeFile, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            floats = f.map(FileChannel.MapMode.READ_WRITE, 0, 4L * DIM * rows, arena);
            codes = c.map(FileChannel.MapMode.READ_WRITE, 0, (long) DIM * rows, arena);
        }
        block = new QueryBlock(queries, DIM);
        query = new float[DIM];
        for (int q = 0; q < queries; q++) {
            data.queryRow(q, rows, query, 0);
            block.add(query);
        }
        panels = new PanelLists(kernels, floats, codes, DIM, LIST_ROWS, block);
        float[] row = new float[DIM];
        for (int r = 0; r < rows; r++) {
            store.copyRow(r, row);
            panels.write(r, row);
        }
        offsets = new long[RESCORED];
        out = new float[RESCORED];
        random = new SplittableRandom(3);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        arena.close();
        store.close();
        Files.deleteIfExists(floatFile);
        Files.deleteIfExists(codeFile);
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
    @OperationsPerInvocation(RESCORED)
    public void rescore(Blackhole bh) {
        for (int j = 0; j < RESCORED; j++) {
            offsets[j] = store.rowOffset(random.nextInt((int) store.count()));
        }
        kernels.laneDots(query, DIM, store.segment(), offsets, RESCORED, out);
        bh.consume(out);
    }
}
