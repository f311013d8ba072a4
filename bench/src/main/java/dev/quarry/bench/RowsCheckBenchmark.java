package dev.quarry.bench;

import dev.quarry.files.ContentChecksum;
import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.store.VectorStore;
import dev.quarry.synth.BenchmarkVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * What checking a corpus's rows against its footer costs the scan that does it: the first exact search of
 * a block of queries over a freshly opened {@code .qvec} (whose whole scan sums the rows' checksum while
 * they are in the cache, {@code checked}), against the same search over a fresh mapping of the same file
 * with nothing to check ({@code unchecked}: the mapped rows wrapped as rows in memory), and a later search
 * over a store already checked ({@code afterCheck}). Each invocation maps the file anew (the page faults of
 * a fresh mapping are in both), so every {@code checked} invocation sums the whole corpus. And the work the
 * check adds, alone: the checksum of every row of a mapping already in place ({@code checksumAlone}), which
 * bounds what {@code checked} can cost over {@code unchecked} when the noise of fresh mappings hides it. Run side by side in one JMH run (an A/B under the same
 * load): {@code bench/rows-check.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx2g"})
public class RowsCheckBenchmark {
    @Param({"200000"})
    public int rows;

    @Param({"384"})
    public int dim;

    /** Queries per search: the pipeline's flat block. */
    @Param({"256", "64"})
    public int queries;

    private VectorKernels kernels;
    private Path file;
    private VectorStore mapped;
    private VectorStore fresh;
    private VectorStore store;
    private QueryBlock block;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        kernels = VectorKernelsProvider.get();
        file = Files.createTempFile("quarry-rows-check", ".qvec");
        BenchmarkVectors data = new BenchmarkVectors(BenchmarkVectors.Kind.CLUSTERED, dim, 7);
        data.write(file, rows, 0, null);
        mapped = VectorStore.open(file);
        block = new QueryBlock(queries, dim);
        float[] q = new float[dim];
        for (int i = 0; i < queries; i++) {
            data.queryRow(i, rows, q, 0);
            block.add(q);
        }
    }

    /** A store as each benchmark wants it; a new one per invocation, so the first scan is measured each time. */
    @Setup(Level.Invocation)
    public void open(org.openjdk.jmh.infra.BenchmarkParams params) {
        String name = params.getBenchmark();
        if (name.endsWith("unchecked")) {
            fresh = VectorStore.open(file);
            store = VectorStore.wrap(file.toString(), fresh.segment(), dim, rows, fresh.rowOffset(0),
                    fresh.rowStride(), fresh.normalized());
        } else if (name.endsWith("afterCheck") || name.endsWith("checksumAlone")) {
            store = mapped;
            store.checkRows();
        } else {
            store = VectorStore.open(file);
        }
    }

    @TearDown(Level.Invocation)
    public void close() {
        if (store != mapped) {
            store.close();
        }
        if (fresh != null) {
            fresh.close();
            fresh = null;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        mapped.close();
        Files.deleteIfExists(file);
    }

    private void search(Blackhole bh) {
        bh.consume(new FlatIndex(store, kernels).search(block, 100, Exclusions.NONE,
                SearchParams.defaults().withThreads(1)));
    }

    @Benchmark
    public void checked(Blackhole bh) {
        search(bh);
        if (!store.rowsChecked()) {
            throw new IllegalStateException("the first whole scan did not check the rows");
        }
    }

    @Benchmark
    public void unchecked(Blackhole bh) {
        search(bh);
    }

    @Benchmark
    public void afterCheck(Blackhole bh) {
        search(bh);
    }

    @Benchmark
    public long checksumAlone() {
        return new ContentChecksum().update(mapped.segment(), mapped.rowOffset(0), 4L * dim * rows).value();
    }
}
