package dev.quarry.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.TestVectors;
import dev.quarry.vector.internal.PanamaVectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kernels of a quantized index against their scalar oracles, bit for bit: float queries against
 * one-byte codes in panels, and the exact rescoring of scattered rows ({@code laneDots} against
 * {@link LaneDot}). Odd dimensions, every panel and group remainder, extreme codes, zeros and NaN, for
 * both micro-kernel shapes; the build runs this class again with 256-bit vectors.
 */
class CodeKernelsTest {
    private static final VectorKernels SCALAR = new ScalarVectorKernels();

    static Stream<Arguments> kernelsAndDims() {
        List<Arguments> args = new ArrayList<>();
        for (String shape : new String[] {"wide", "narrow"}) {
            VectorKernels simd = PanamaVectorKernels.create(shape);
            for (int dim : new int[] {1, 2, 3, 7, 8, 15, 16, 17, 31, 100, 383, 384, 385, 768}) {
                args.add(Arguments.of(simd, dim));
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void codePanelsOfferTheOracleBitsForEveryQueryCountAndPanelTail(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 41L + 3);
        // Query counts through quads, pairs and a lone query; row counts through whole groups of four row
        // vectors, single vectors and partial panels.
        int[] queryCounts = {1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 33};
        int[] rowCounts = {1, 3, 7, 15, 16, 17, 31, 48, 64, 65, 71, 100};
        try (Arena arena = Arena.ofConfined()) {
            for (int qc : queryCounts) {
                int rc = rowCounts[random.nextInt(rowCounts.length)];
                float[][] queries = TestVectors.rows(random, qc, dim);
                byte[][] codes = TestVectors.codes(random, rc, dim);
                MemorySegment panels = TestVectors.codePanelSegment(arena, codes, 5);
                float[] thresholds = new float[qc];
                for (int q = 0; q < qc; q++) {
                    thresholds[q] = switch (q % 3) {
                        case 0 -> Float.NEGATIVE_INFINITY;
                        case 1 -> Float.POSITIVE_INFINITY;
                        default -> (float) TestVectors.exactDot(queries[q], TestVectors.asFloats(codes[random.nextInt(rc)]),
                                dim);
                    };
                }
                float[] expected = offered(qc, rc, sink -> SCALAR.scoreCodePanelsTopK(QueryBlock.of(queries), panels, 5,
                        rc, thresholds.clone(), sink));
                float[] actual = offered(qc, rc, sink -> simd.scoreCodePanelsTopK(QueryBlock.of(queries), panels, 5, rc,
                        thresholds.clone(), sink));
                for (int q = 0; q < qc; q++) {
                    for (int r = 0; r < rc; r++) {
                        int i = q * rc + r;
                        String where = "q=" + q + "/" + qc + " r=" + r + "/" + rc;
                        assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                                where + ": " + expected[i] + " vs " + actual[i]);
                        float[] row = TestVectors.asFloats(codes[r]);
                        double exact = TestVectors.exactDot(queries[q], row, dim);
                        double tol = TestVectors.tolerance(queries[q], row, dim);
                        if (exact >= thresholds[q] + tol) {
                            assertEquals(exact, actual[i], tol, where + " missed or wrong");
                        } else if (exact < thresholds[q] - tol) {
                            assertTrue(Float.isNaN(actual[i]), where + " offered below its threshold");
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void tailsOfOneToThreeRowVectorsGiveTheOracleBitsForEveryQueryCount(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 43L + 1);
        // A list's last one to three row vectors are scored in one pass against each quad, pair or lone query:
        // every tail length after zero and one group of four row vectors, with partial panels.
        int[] rowCounts = {1, 3, 16, 17, 31, 33, 40, 48, 49, 51, 64, 65, 79, 96, 97, 112, 113};
        try (Arena arena = Arena.ofConfined()) {
            for (int qc : new int[] {1, 2, 3, 4, 5, 6, 7, 9}) {
                for (int rc : rowCounts) {
                    float[][] queries = TestVectors.rows(random, qc, dim);
                    if (rc % 2 == 1) { // a zero query scores exactly 0, a NaN component makes a query's scores NaN
                        queries[random.nextInt(qc)] = new float[dim];
                        queries[random.nextInt(qc)][random.nextInt(dim)] = Float.NaN;
                    }
                    byte[][] codes = TestVectors.codes(random, rc, dim);
                    codes[random.nextInt(rc)] = new byte[dim];
                    MemorySegment panels = TestVectors.codePanelSegment(arena, codes, 5);
                    float[] thresholds = new float[qc];
                    Arrays.fill(thresholds, Float.NEGATIVE_INFINITY);
                    float[] expected = offered(qc, rc, sink -> SCALAR.scoreCodePanelsTopK(QueryBlock.of(queries), panels,
                            5, rc, thresholds.clone(), sink));
                    float[] actual = offered(qc, rc, sink -> simd.scoreCodePanelsTopK(QueryBlock.of(queries), panels, 5,
                            rc, thresholds.clone(), sink));
                    for (int i = 0; i < qc * rc; i++) {
                        assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                                "q=" + i / rc + "/" + qc + " r=" + i % rc + "/" + rc);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void extremeCodesZerosAndNanQueriesScoreAsTheOracle(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 7L + 11);
        int rc = 37;
        byte[][] codes = new byte[rc][dim];
        for (int r = 0; r < rc; r++) {
            for (int i = 0; i < dim; i++) {
                codes[r][i] = switch (r % 4) {
                    case 0 -> Byte.MIN_VALUE;
                    case 1 -> Byte.MAX_VALUE;
                    case 2 -> 0;
                    default -> (byte) (random.nextBoolean() ? Byte.MIN_VALUE : Byte.MAX_VALUE);
                };
            }
        }
        float[] ones = new float[dim];
        Arrays.fill(ones, 1f);
        float[] nan = TestVectors.uniform(random, dim);
        nan[random.nextInt(dim)] = Float.NaN;
        float[][] queries = {ones, new float[dim], nan, TestVectors.uniform(random, dim)};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment panels = TestVectors.codePanelSegment(arena, codes, 0);
            float[] thresholds = new float[queries.length];
            Arrays.fill(thresholds, Float.NEGATIVE_INFINITY);
            float[] expected = offered(queries.length, rc, sink -> SCALAR.scoreCodePanelsTopK(QueryBlock.of(queries),
                    panels, 0, rc, thresholds.clone(), sink));
            float[] actual = offered(queries.length, rc, sink -> simd.scoreCodePanelsTopK(QueryBlock.of(queries),
                    panels, 0, rc, thresholds.clone(), sink));
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]), "at " + i);
            }
            for (int r = 0; r < rc; r++) {
                float exact = r % 4 == 0 ? -128f * dim : r % 4 == 1 ? 127f * dim : r % 4 == 2 ? 0f : Float.NaN;
                if (!Float.isNaN(exact)) {
                    assertEquals(exact, actual[r], "all-ones query against row " + r + " (every sum exact)");
                }
                assertEquals(0f, actual[rc + r], "the zero query scores 0 against row " + r);
                assertTrue(Float.isNaN(actual[2 * rc + r]), "a NaN query is never offered (row " + r + ")");
            }
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void codePanelsSeeRaisedThresholdsAndNeverOfferPadding(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 13L + 1);
        int rc = 53;
        byte[][] codes = TestVectors.codes(random, rc, dim);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment panels = TestVectors.codePanelSegment(arena, codes, 3);
            for (int qc : new int[] {1, 2, 3, 5, 20}) {
                float[][] queries = TestVectors.rows(random, qc, dim);
                float[] thresholds = new float[qc];
                Arrays.fill(thresholds, Float.NEGATIVE_INFINITY);
                int[] offers = new int[qc];
                simd.scoreCodePanelsTopK(QueryBlock.of(queries), panels, 3, rc, thresholds, (q, r, score) -> {
                    assertTrue(r < rc, "a padding row was offered: " + r);
                    assertTrue(score >= thresholds[q]);
                    thresholds[q] = Math.nextUp(score);
                    offers[q]++;
                });
                for (int q = 0; q < qc; q++) {
                    double best = Double.NEGATIVE_INFINITY;
                    for (byte[] row : codes) {
                        best = Math.max(best, TestVectors.exactDot(queries[q], TestVectors.asFloats(row), dim));
                    }
                    assertEquals(best, Math.nextDown(thresholds[q]), 1e-4 * Math.max(1, Math.abs(best)),
                            "queries=" + qc + " query " + q);
                    assertTrue(offers[q] < rc, "thresholds were not honoured: " + offers[q] + " offers");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void laneDotsGiveTheBitsOfLaneDotForScatteredRows(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 19L + 7);
        int stored = 40;
        float[][] rows = TestVectors.rows(random, stored, dim);
        rows[5] = new float[dim];
        rows[9][random.nextInt(dim)] = Float.NaN;
        float[] query = TestVectors.uniform(random, dim);
        long stride = 4L * dim + 8;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = TestVectors.segment(arena, rows, 12, stride);
            for (int count : new int[] {0, 1, 3, 7, 8, 9, 15, 16, 17, 33}) {
                long[] offsets = new long[count + 1];
                int[] which = new int[count];
                for (int j = 0; j < count; j++) {
                    which[j] = j < 2 ? (j == 0 ? 5 : 9) : random.nextInt(stored); // the zero row and the NaN row first
                    offsets[j] = 12 + which[j] * stride;
                }
                float[] out = new float[count + 1];
                out[count] = 42f;
                simd.laneDots(query, dim, seg, offsets, count, out);
                float[] oracle = new float[count];
                SCALAR.laneDots(query, dim, seg, offsets, count, oracle);
                for (int j = 0; j < count; j++) {
                    float chain = LaneDot.dot(query, seg, offsets[j], dim);
                    assertEquals(Float.floatToIntBits(chain), Float.floatToIntBits(out[j]), "row " + which[j]);
                    assertEquals(Float.floatToIntBits(chain), Float.floatToIntBits(oracle[j]), "oracle, row " + which[j]);
                }
                assertEquals(42f, out[count], "wrote past count");
                if (count > 1) {
                    assertEquals(0f, out[0], "the zero row");
                    assertTrue(Float.isNaN(out[1]), "the NaN row");
                }
            }
        }
    }

    /** The scores a kernel offers, by {@code q * rows + r}; NaN where nothing was offered. */
    private static float[] offered(int queries, int rows, Consumer<CandidateSink> kernel) {
        float[] out = new float[queries * rows];
        Arrays.fill(out, Float.NaN);
        kernel.accept((q, r, score) -> {
            assertTrue(Float.isNaN(out[q * rows + r]), "offered twice: q=" + q + " r=" + r);
            out[q * rows + r] = score;
        });
        return out;
    }
}
