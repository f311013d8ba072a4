package dev.quarry.bench.peers;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.util.Locale;

/**
 * Runs one contender of the side-by-side benchmark against Quarry's peers and reports it: Quarry's
 * flat and IVF indexes, Lucene's and JVector's SIMD dot products in a brute-force loop, JVector's
 * graph index, and plain scalar Java. Each contender loads the data as its users would hold it, runs
 * untimed warm-up passes over all queries (at least 2 s), then {@code --runs} timed passes, and appends one JSON
 * line per configuration ({@link ResultWriter}). One contender per process, so JIT profiles and
 * memory peaks belong to it alone.
 *
 * <p>Run with the JVM flags of the {@code quarry} launcher (at least
 * {@code --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED}): without the Vector
 * API module, Quarry, Lucene and JVector all fall back to scalar code, and the {@code simd} field says so.
 * See {@link PeerOptions#USAGE} for the options. Exit codes as the {@code quarry} CLI: 0 ok, 1 failure,
 * 2 usage error, 3 unreadable or malformed data.
 */
public final class PeerRunner {
    private PeerRunner() {
    }

    public static void main(String[] args) {
        PeerOptions options;
        try {
            options = PeerOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("PeerRunner: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            run(options);
        } catch (QuarryDataException e) { // the data's fault, as the CLI reports it (exit 3)
            System.err.println("PeerRunner " + options.contender() + ": " + e.getMessage());
            System.exit(3);
        } catch (IllegalArgumentException e) { // options that do not fit the data (e.g. dims, ground truth shape)
            System.err.println("PeerRunner " + options.contender() + ": " + e.getMessage());
            System.exit(2);
        } catch (IOException | RuntimeException e) {
            System.err.println("PeerRunner " + options.contender() + ": " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** Runs the contender the options name. */
    public static void run(PeerOptions options) throws IOException {
        Contender contender = contender(options.contender());
        // First, before any other use of the library, so its provider choice is logged while we listen.
        String simd = contender.simd();
        System.err.println(options.contender() + ": SIMD " + simd);
        try (PeerData data = PeerData.open(options.corpus(), options.queries(), options.queryLimit())) {
            int[][] truth = options.groundTruth() == null ? null
                    : IdsNpy.read(options.groundTruth(), data.queryCount());
            System.err.printf(Locale.ROOT, "%s: %,d rows x %d, %,d queries, k=%d, %d threads, %d runs%n",
                    options.contender(), data.rows(), data.dim(), data.queryCount(), options.k(), options.threads(),
                    options.runs());
            contender.run(data, options, new ResultWriter(options, data, simd, truth));
        }
    }

    private static Contender contender(String name) {
        return switch (name) {
            case "quarry-flat" -> new QuarryFlatContender();
            case "quarry-ivf" -> new QuarryIvfContender();
            case "lucene" -> new LuceneContender();
            case "jvector-brute" -> new JVectorBruteContender();
            case "jvector-graph" -> new JVectorGraphContender();
            case "naive" -> new NaiveContender();
            default -> throw new IllegalArgumentException("--contender=" + name + ", expected one of "
                    + PeerOptions.CONTENDERS);
        };
    }
}
