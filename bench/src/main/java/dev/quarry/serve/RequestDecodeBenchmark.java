package dev.quarry.serve;

import dev.quarry.labels.IdMap;
import dev.quarry.options.MineOptions;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What reading a mining request costs the server per call, through its own decoder ({@link MineRequestDecoder}, the
 * code {@code POST /v1/mine} runs before the engine): a JSON body whose options are read into the request schema.
 * {@code optionsOnly} decodes a body of one anchor of 4 numbers with the options a trainer sets (num_negatives,
 * range_min, range_max, nprobe, relative_margin, sampling_strategy, seed): the per-request option reading that
 * once went through a picocli parser built per call (2.5 ms, then a cache of parsed sets). {@code typical} decodes
 * the same options with 64 anchors of {@code dim} numbers and one positive each, the body the Python client's
 * JSON shape sends. Each call's seed differs (as a trainer's does), so no set of options is ever seen twice.
 * This class lives in the server's package to reach its package-private decoder. Run: {@code bench/serve-decode.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx1g"})
public class RequestDecodeBenchmark {
    /** The corpus's dimension (the anchors' length in {@code typical}). */
    @Param({"384"})
    public int dim;

    /**
     * Distinct bodies cycled through, each with its own seed: more option sets than the 1,024 the picocli path
     * once cached, so that path's figure (the same benchmark on the code before the schema) is of sets not seen
     * yet, as a trainer varying its seed gets them.
     */
    private static final int OPTION_BODIES = 4096;
    /** Distinct typical bodies (each about 230 KB of text). */
    private static final int TYPICAL_BODIES = 1024;

    private MineRequestDecoder small;
    private MineRequestDecoder wide;
    private byte[][] optionBodies;
    private byte[][] typicalBodies;
    private int nextOptions;
    private int nextTypical;

    @Setup
    public void setUp() {
        long rows = 1_000_000;
        RequestLimits limits = new RequestLimits(4096, 64L << 20, 2, 8);
        small = new MineRequestDecoder(4, rows, IdMap.ordinals(rows), limits, MineOptions.defaults());
        wide = new MineRequestDecoder(dim, rows, IdMap.ordinals(rows), limits, MineOptions.defaults());
        SplittableRandom random = new SplittableRandom(7);
        optionBodies = new byte[OPTION_BODIES][];
        typicalBodies = new byte[TYPICAL_BODIES][];
        for (int b = 0; b < OPTION_BODIES; b++) {
            optionBodies[b] = body(random, 1, 4, b);
        }
        for (int b = 0; b < TYPICAL_BODIES; b++) {
            typicalBodies[b] = body(random, 64, dim, b);
        }
    }

    private static byte[] body(SplittableRandom random, int anchors, int dim, int seed) {
        StringBuilder out = new StringBuilder("{\"num_negatives\": 8, \"range_min\": 10, \"range_max\": 100,"
                + " \"nprobe\": 32, \"relative_margin\": 0.05, \"sampling_strategy\": \"top\", \"seed\": " + seed
                + ", \"anchors\": [");
        for (int a = 0; a < anchors; a++) {
            out.append(a == 0 ? "[" : ", [");
            for (int k = 0; k < dim; k++) {
                out.append(k == 0 ? "" : ", ").append((float) random.nextDouble(-0.1, 0.1));
            }
            out.append(']');
        }
        out.append("], \"positives\": [");
        for (int a = 0; a < anchors; a++) {
            out.append(a == 0 ? "" : ", ").append('"').append(random.nextInt(1_000_000)).append('"');
        }
        return out.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public Object optionsOnly() {
        nextOptions = (nextOptions + 1) & (OPTION_BODIES - 1);
        return small.json(optionBodies[nextOptions], Map.of());
    }

    @Benchmark
    public Object typical() {
        nextTypical = (nextTypical + 1) & (TYPICAL_BODIES - 1);
        return wide.json(typicalBodies[nextTypical], Map.of());
    }
}
