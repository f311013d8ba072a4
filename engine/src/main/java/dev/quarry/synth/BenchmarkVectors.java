package dev.quarry.synth;

import dev.quarry.Seeds;
import dev.quarry.Progress;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import dev.quarry.store.QvecWriter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The benchmark data sets every issue measures on, so figures compare across runs:
 * <ul>
 *   <li>{@code clustered}: 10,000 topic centres ~ N(0, 1) per dimension; a corpus point is a random
 *   centre + 0.7 x N(0, 1) per dimension, L2-normalized; a query is a random corpus point +
 *   (0.3 / sqrt(d)) x N(0, 1) per dimension, normalized;</li>
 *   <li>{@code uniform}: corpus points and queries ~ N(0, 1) per dimension, normalized (uniform on
 *   the sphere).</li>
 * </ul>
 * Row r is a pure function of (seed, r), so generation runs on all cores and still gives the same
 * bytes, and a query can rebuild the corpus point it perturbs without reading the corpus.
 */
public final class BenchmarkVectors {
    /** Topic centres of the clustered set. */
    public static final int CENTRES = 10_000;
    private static final long CENTRE_STREAM = -1;
    private static final long QUERY_STREAM = 0x5155455259L;

    /** The two shapes of data. */
    public enum Kind {
        CLUSTERED, UNIFORM;

        /** Parses {@code clustered} or {@code uniform}. */
        public static Kind parse(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "clustered" -> CLUSTERED;
                case "uniform" -> UNIFORM;
                default -> throw new CommandSettingError(CommandSetting.KIND, name, "clustered or uniform");
            };
        }
    }

    private final Kind kind;
    private final int dim;
    private final long seed;
    private final float[] centres;

    /** Generator of {@code kind} data of dimension {@code dim} under {@code seed} (the benchmarks use 7). */
    public BenchmarkVectors(Kind kind, int dim, long seed) {
        if (dim < 1) {
            throw new IllegalArgumentException("dim=" + dim + ", expected >= 1");
        }
        this.kind = kind;
        this.dim = dim;
        this.seed = seed;
        if (kind == Kind.CLUSTERED) {
            centres = new float[CENTRES * dim];
            SplittableRandom random = Seeds.random(seed, CENTRE_STREAM);
            for (int i = 0; i < centres.length; i++) {
                centres[i] = (float) random.nextGaussian();
            }
        } else {
            centres = null;
        }
    }

    /** Writes corpus row {@code row} into {@code out[off..off+dim)}. */
    public void corpusRow(long row, float[] out, int off) {
        SplittableRandom random = Seeds.random(seed, row);
        if (kind == Kind.CLUSTERED) {
            int centre = random.nextInt(CENTRES) * dim;
            for (int k = 0; k < dim; k++) {
                out[off + k] = centres[centre + k] + 0.7f * (float) random.nextGaussian();
            }
        } else {
            Arrays.fill(out, off, off + dim, 0f);
            SphereMath.addGaussian(random, out, off, dim, 1.0);
        }
        SphereMath.normalize(out, off, dim);
    }

    /**
     * The corpus row that clustered query {@code q} perturbs (its natural positive), or -1 for uniform
     * data, whose queries are independent of the corpus.
     */
    public long sourceRow(long q, long corpusCount) {
        return kind == Kind.CLUSTERED ? Seeds.random(seed ^ QUERY_STREAM, q).nextLong(corpusCount) : -1;
    }

    /** Writes query {@code q} (for a corpus of {@code corpusCount} rows) into {@code out[off..off+dim)}. */
    public void queryRow(long q, long corpusCount, float[] out, int off) {
        SplittableRandom random = Seeds.random(seed ^ QUERY_STREAM, q);
        if (kind == Kind.CLUSTERED) {
            corpusRow(random.nextLong(corpusCount), out, off); // the same draw as sourceRow
            float sigma = (float) (0.3 / Math.sqrt(dim));
            for (int k = 0; k < dim; k++) {
                out[off + k] += sigma * (float) random.nextGaussian();
            }
        } else {
            Arrays.fill(out, off, off + dim, 0f);
            SphereMath.addGaussian(random, out, off, dim, 1.0);
        }
        SphereMath.normalize(out, off, dim);
    }

    /**
     * Writes {@code count} corpus rows (or, with {@code queriesOf > 0}, {@code count} queries for a
     * corpus of that many rows) to a {@code .qvec} file flagged normalized.
     */
    public void write(Path output, long count, long queriesOf, PrintWriter progressOut) {
        int chunkRows = Math.max(1, (1 << 20) / dim);
        int parallel = Math.max(1, Runtime.getRuntime().availableProcessors()) * 2;
        float[][] chunks = new float[parallel][chunkRows * dim];
        String what = "generate " + kind.name().toLowerCase(Locale.ROOT) + (queriesOf > 0 ? " queries" : " corpus");
        Progress progress = new Progress(what, "rows", count, progressOut);
        try (QvecWriter writer = QvecWriter.create(output, dim)) {
            for (long first = 0; first < count; first += (long) chunkRows * parallel) {
                long batchFirst = first;
                IntStream.range(0, parallel).parallel().forEach(c -> {
                    long start = batchFirst + (long) c * chunkRows;
                    int n = (int) Math.max(0, Math.min(chunkRows, count - start));
                    for (int r = 0; r < n; r++) {
                        if (queriesOf > 0) {
                            queryRow(start + r, queriesOf, chunks[c], r * dim);
                        } else {
                            corpusRow(start + r, chunks[c], r * dim);
                        }
                    }
                });
                for (int c = 0; c < parallel; c++) {
                    long start = first + (long) c * chunkRows;
                    int n = (int) Math.max(0, Math.min(chunkRows, count - start));
                    writer.write(chunks[c], 0, n);
                    progress.advance(n);
                }
            }
            writer.finish(true);
        }
        progress.finish();
    }
}
