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
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every SIMD kernel against the scalar oracle and an exact double-precision reference, on odd
 * dimensions, random data, zeros and NaN, for both micro-kernel shapes.
 */
class VectorKernelsTest {
    private static final VectorKernels SCALAR = new ScalarVectorKernels();

    static int[] dimensions() {
        IntStream small = IntStream.rangeClosed(1, 33);
        return IntStream.concat(small, IntStream.of(63, 64, 65, 100, 127, 383, 384, 385, 768, 1024)).toArray();
    }

    static Stream<Arguments> kernelsAndDims() {
        List<Arguments> args = new ArrayList<>();
        for (String shape : new String[] {"wide", "narrow"}) {
            VectorKernels simd = PanamaVectorKernels.create(shape);
            for (int dim : dimensions()) {
                args.add(Arguments.of(simd, dim));
            }
        }
        return args.stream();
    }

    @Test
    void providerPicksSimdWhenTheModuleIsPresent() {
        assertTrue(VectorKernelsProvider.get().description().startsWith("panama"),
                () -> "expected SIMD kernels under --add-modules jdk.incubator.vector; reason: "
                        + VectorKernelsProvider.reason());
    }

    @Test
    void runsAtTheVectorWidthTheBuildAskedFor() {
        String expected = System.getProperty("quarry.test.expectVectorBits");
        if (expected != null) {
            String description = VectorKernelsProvider.get().description();
            assertTrue(description.contains(" " + expected + "-bit "), description);
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void dotMatchesScalarOnRandomData(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 31L + 1);
        try (Arena arena = Arena.ofConfined()) {
            for (int trial = 0; trial < 5; trial++) {
                float[] a = TestVectors.uniform(random, dim);
                float[] b = TestVectors.uniform(random, dim);
                double exact = TestVectors.exactDot(a, b, dim);
                double tol = TestVectors.tolerance(a, b, dim);
                MemorySegment sa = TestVectors.segment(arena, new float[][] {a}, 3, 4L * dim);
                MemorySegment sb = TestVectors.segment(arena, new float[][] {b}, 1, 4L * dim);

                assertEquals(exact, SCALAR.dot(a, b, dim), tol, "scalar dot");
                assertEquals(exact, simd.dot(a, b, dim), tol, "simd dot(array, array)");
                assertEquals(exact, simd.dot(a, sb, 1, dim), tol, "simd dot(array, segment)");
                assertEquals(exact, simd.dot(sa, 3, sb, 1, dim), tol, "simd dot(segment, segment)");
                assertEquals(SCALAR.dot(a, b, dim), simd.dot(a, b, dim), 2 * tol, "simd vs scalar");

                double exactNorm = TestVectors.exactDot(a, a, dim);
                double normTol = TestVectors.tolerance(a, a, dim);
                assertEquals(exactNorm, simd.squaredNorm(a, 0, dim), normTol, "squaredNorm(array)");
                assertEquals(exactNorm, simd.squaredNorm(sa, 3, dim), normTol, "squaredNorm(segment)");
                assertEquals(exactNorm, SCALAR.squaredNorm(sa, 3, dim), normTol, "scalar squaredNorm");
            }
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void dotRowsMatchesScalarWithStridedUnalignedRows(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 17L + 5);
        int rowCount = 1 + random.nextInt(11);
        float[][] rows = TestVectors.rows(random, rowCount, dim);
        float[] query = TestVectors.uniform(random, dim);
        long stride = 4L * dim + 4;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = TestVectors.segment(arena, rows, 6, stride);
            float[] expected = new float[rowCount + 2];
            float[] actual = new float[rowCount + 2];
            SCALAR.dotRows(query, dim, seg, 6, stride, rowCount, expected, 2);
            simd.dotRows(query, dim, seg, 6, stride, rowCount, actual, 2);
            for (int r = 0; r < rowCount; r++) {
                double tol = TestVectors.tolerance(query, rows[r], dim);
                assertEquals(TestVectors.exactDot(query, rows[r], dim), actual[r + 2], tol, "row " + r);
                assertEquals(expected[r + 2], actual[r + 2], 2 * tol, "row " + r + " vs scalar");
            }
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void scoreBlockMatchesScalarForEveryPanelAndTileRemainder(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 7L + 3);
        // Query counts cross every panel width (1..4 vectors of 4..16 lanes) and row counts every
        // tile remainder (0..5 rows after full 6-row tiles).
        int[] queryCounts = {1, 5, 16, 17, 33, 48, 63, 64, 65, 100};
        int[] rowCounts = {1, 5, 6, 7, 13, 20};
        try (Arena arena = Arena.ofConfined()) {
            for (int qc : queryCounts) {
                int rc = rowCounts[random.nextInt(rowCounts.length)];
                float[][] queries = TestVectors.rows(random, qc, dim);
                float[][] rows = TestVectors.rows(random, rc, dim);
                long stride = 4L * dim + (dim % 2 == 0 ? 0 : 12);
                MemorySegment seg = TestVectors.segment(arena, rows, 2, stride);
                QueryBlock block = QueryBlock.of(queries);
                float[] expected = new float[qc * rc];
                float[] actual = new float[qc * rc];
                SCALAR.scoreBlock(block, seg, 2, stride, rc, expected);
                simd.scoreBlock(block, seg, 2, stride, rc, actual);
                for (int q = 0; q < qc; q++) {
                    for (int r = 0; r < rc; r++) {
                        double tol = TestVectors.tolerance(queries[q], rows[r], dim);
                        double exact = TestVectors.exactDot(queries[q], rows[r], dim);
                        String where = "q=" + q + "/" + qc + " r=" + r + "/" + rc;
                        assertEquals(exact, actual[r * qc + q], tol, where);
                        assertEquals(exact, expected[r * qc + q], tol, where + " (scalar)");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void scoreBlockGivesEachLaneTheBitsOfOneFmaChainAtEveryTileHeight(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 19L + 5);
        // Panels of one to four vectors (at 4 to 16 lanes, full and partial), against row counts on both sides
        // of the 6- and 12-row tiles (a short run takes the 6-row tiles, a longer one the tall tiles, whose
        // last tile overlaps the one before); zeros and NaN in queries and rows.
        int[] queryCounts = {1, 8, 15, 16, 17, 31, 32, 33, 40, 47, 48, 49, 63, 64, 97};
        int[] rowCounts = {5, 6, 11, 12, 13, 23, 24, 25, 41};
        try (Arena arena = Arena.ofConfined()) {
            for (int qc : queryCounts) {
                int rc = rowCounts[random.nextInt(rowCounts.length)];
                float[][] queries = TestVectors.rows(random, qc, dim);
                float[][] rows = TestVectors.rows(random, rc, dim);
                queries[qc / 2] = new float[dim];
                rows[rc / 3] = new float[dim];
                queries[qc - 1][random.nextInt(dim)] = Float.NaN;
                rows[rc - 1][random.nextInt(dim)] = Float.NaN;
                long stride = 4L * dim + 4;
                MemorySegment seg = TestVectors.segment(arena, rows, 3, stride);
                float[] scores = new float[qc * rc];
                simd.scoreBlock(QueryBlock.of(queries), seg, 3, stride, rc, scores);
                float[] offered = offered(qc, rc, sink -> simd.scoreBlockTopK(QueryBlock.of(queries), seg, 3, stride,
                        rc, filled(qc, Float.NEGATIVE_INFINITY), sink));
                for (int q = 0; q < qc; q++) {
                    for (int r = 0; r < rc; r++) {
                        float chain = 0f;
                        for (int i = 0; i < dim; i++) {
                            chain = Math.fma(rows[r][i], queries[q][i], chain);
                        }
                        String where = "q=" + q + "/" + qc + " r=" + r + "/" + rc;
                        assertEquals(Float.floatToIntBits(chain), Float.floatToIntBits(scores[r * qc + q]),
                                where + ": " + chain + " vs " + scores[r * qc + q]);
                        // A NaN is never at or above a threshold, so it is never offered: the slot keeps its NaN.
                        assertEquals(Float.floatToIntBits(chain), Float.floatToIntBits(offered[q * rc + r]),
                                where + " (offered): " + chain + " vs " + offered[q * rc + r]);
                    }
                }
                if (qc > 1) { // query 0 is a plain one
                    assertEquals(0f, scores[(rc / 3) * qc], "query 0 against the zero row");
                }
                assertTrue(Float.isNaN(scores[(rc - 1) * qc]), "query 0 against the NaN row");
            }
        }
    }

    private static float[] filled(int n, float value) {
        float[] out = new float[n];
        Arrays.fill(out, value);
        return out;
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void scoreBlockTopKOffersExactlyTheScoresAtOrAboveEachThreshold(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 13L + 1);
        try (Arena arena = Arena.ofConfined()) {
            for (int qc : new int[] {1, 7, 16, 40, 64, 65, 130}) {
                int rc = 1 + random.nextInt(40);
                float[][] queries = TestVectors.rows(random, qc, dim);
                float[][] rows = TestVectors.rows(random, rc, dim);
                MemorySegment seg = TestVectors.segment(arena, rows, 4, 4L * dim);
                float[] thresholds = new float[qc];
                for (int q = 0; q < qc; q++) {
                    // -inf (everything passes), +inf (nothing), or a threshold inside the score range
                    thresholds[q] = switch (q % 3) {
                        case 0 -> Float.NEGATIVE_INFINITY;
                        case 1 -> Float.POSITIVE_INFINITY;
                        default -> (float) TestVectors.exactDot(queries[q], rows[random.nextInt(rc)], dim);
                    };
                }
                for (VectorKernels kernels : new VectorKernels[] {simd, SCALAR}) {
                    boolean[] seen = new boolean[qc * rc];
                    kernels.scoreBlockTopK(QueryBlock.of(queries), seg, 4, 4L * dim, rc, thresholds.clone(),
                            (q, r, score) -> {
                                assertTrue(!seen[q * rc + r], "offered twice: q=" + q + " r=" + r);
                                seen[q * rc + r] = true;
                                assertTrue(score >= thresholds[q], "below threshold");
                                assertEquals(TestVectors.exactDot(queries[q], rows[r], dim), score,
                                        TestVectors.tolerance(queries[q], rows[r], dim));
                            });
                    for (int q = 0; q < qc; q++) {
                        for (int r = 0; r < rc; r++) {
                            double exact = TestVectors.exactDot(queries[q], rows[r], dim);
                            double tol = TestVectors.tolerance(queries[q], rows[r], dim);
                            if (exact >= thresholds[q] + tol) {
                                assertTrue(seen[q * rc + r], kernels + ": missed q=" + q + " r=" + r);
                            } else if (exact < thresholds[q] - tol) {
                                assertTrue(!seen[q * rc + r], kernels + ": offered q=" + q + " r=" + r);
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void scoreBlockTopKSeesRaisedThresholdsAndNeverOffersNan(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 5L + 2);
        int rc = 50;
        float[][] rows = TestVectors.rows(random, rc, dim);
        rows[17][random.nextInt(dim)] = Float.NaN;
        float[][] queries = TestVectors.rows(random, 20, dim);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = TestVectors.segment(arena, rows, 0, 4L * dim);
            float[] thresholds = new float[20];
            Arrays.fill(thresholds, Float.NEGATIVE_INFINITY);
            int[] offers = new int[20];
            // A sink that keeps only a running maximum: after the first offer the threshold rises,
            // so each later offer must beat every score offered before it for that query.
            simd.scoreBlockTopK(QueryBlock.of(queries), seg, 0, 4L * dim, rc, thresholds, (q, r, score) -> {
                assertTrue(r != 17, "a NaN row was offered");
                assertTrue(score >= thresholds[q]);
                thresholds[q] = Math.nextUp(score);
                offers[q]++;
            });
            for (int q = 0; q < 20; q++) {
                double best = Double.NEGATIVE_INFINITY;
                for (int r = 0; r < rc; r++) {
                    if (r != 17) {
                        best = Math.max(best, TestVectors.exactDot(queries[q], rows[r], dim));
                    }
                }
                assertEquals(best, Math.nextDown(thresholds[q]), 1e-4 * Math.max(1, Math.abs(best)), "query " + q);
                assertTrue(offers[q] < rc, "thresholds were not honoured: " + offers[q] + " offers");
            }
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void scorePanelsTopKOffersTheSameBitsAsTheRowKernelForFewAndManyQueries(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 31L + 9);
        // Query counts on both sides of the row-lane limit (up to L / 2 queries), row counts across
        // panels of 16 and every tail.
        int[] queryCounts = {1, 2, 3, 4, 7, 8, 9, 17, 33, 64, 65};
        int[] rowCounts = {1, 3, 6, 15, 16, 17, 31, 40, 64, 71};
        try (Arena arena = Arena.ofConfined()) {
            for (int qc : queryCounts) {
                int rc = rowCounts[random.nextInt(rowCounts.length)];
                float[][] queries = TestVectors.rows(random, qc, dim);
                float[][] rows = TestVectors.rows(random, rc, dim);
                MemorySegment plain = TestVectors.segment(arena, rows, 0, 4L * dim);
                MemorySegment panels = TestVectors.panelSegment(arena, rows, 8);
                float[] thresholds = new float[qc];
                for (int q = 0; q < qc; q++) {
                    thresholds[q] = q % 3 == 1 ? Float.NEGATIVE_INFINITY
                            : (float) TestVectors.exactDot(queries[q], rows[random.nextInt(rc)], dim);
                }
                float[] expected = offered(qc, rc, sink -> simd.scoreBlockTopK(QueryBlock.of(queries), plain, 0,
                        4L * dim, rc, thresholds.clone(), sink));
                float[] actual = offered(qc, rc, sink -> simd.scorePanelsTopK(QueryBlock.of(queries), panels, 8, rc,
                        thresholds.clone(), sink));
                float[] scalar = offered(qc, rc, sink -> SCALAR.scorePanelsTopK(QueryBlock.of(queries), panels, 8, rc,
                        thresholds.clone(), sink));
                for (int q = 0; q < qc; q++) {
                    for (int r = 0; r < rc; r++) {
                        String where = "q=" + q + "/" + qc + " r=" + r + "/" + rc;
                        int i = q * rc + r;
                        assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                                where + ": " + expected[i] + " vs " + actual[i]);
                        double exact = TestVectors.exactDot(queries[q], rows[r], dim);
                        double tol = TestVectors.tolerance(queries[q], rows[r], dim);
                        if (exact >= thresholds[q] + tol) {
                            assertEquals(exact, scalar[i], tol, where + " (scalar)");
                        } else if (exact < thresholds[q] - tol) {
                            assertTrue(Float.isNaN(scalar[i]), where + " (scalar) offered below its threshold");
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void scorePanelsTopKSeesRaisedThresholdsAndNeverOffersNanOrPadding(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 3L + 5);
        int rc = 37;
        float[][] rows = TestVectors.rows(random, rc, dim);
        rows[20][random.nextInt(dim)] = Float.NaN;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment panels = TestVectors.panelSegment(arena, rows, 0);
            for (int qc : new int[] {1, 2, 5, 20}) {
                float[][] queries = TestVectors.rows(random, qc, dim);
                float[] thresholds = new float[qc];
                Arrays.fill(thresholds, Float.NEGATIVE_INFINITY);
                int[] offers = new int[qc];
                // A running maximum: after each offer the threshold rises past it.
                simd.scorePanelsTopK(QueryBlock.of(queries), panels, 0, rc, thresholds, (q, r, score) -> {
                    assertTrue(r != 20, "a NaN row was offered");
                    assertTrue(r < rc, "a padding row was offered: " + r);
                    assertTrue(score >= thresholds[q]);
                    thresholds[q] = Math.nextUp(score);
                    offers[q]++;
                });
                for (int q = 0; q < qc; q++) {
                    double best = Double.NEGATIVE_INFINITY;
                    for (int r = 0; r < rc; r++) {
                        if (r != 20) {
                            best = Math.max(best, TestVectors.exactDot(queries[q], rows[r], dim));
                        }
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
    void scorePanelsWritesTheBitsThePanelKernelOffersForEveryPair(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 17L + 3);
        int[] queryCounts = {1, 2, 3, 4, 5, 7, 8, 9, 17, 64, 65};
        // Odd counts, whole and partial panels and tails; over the dims every pair of counts is met.
        int[] rowCounts = {1, 3, 7, 15, 16, 17, 63, 64, 65, 100, 383, 384, 385};
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < queryCounts.length; i++) {
                int qc = queryCounts[i];
                int rc = rowCounts[(i + dim) % rowCounts.length];
                float[][] queries = TestVectors.rows(random, qc, dim);
                float[][] rows = TestVectors.rows(random, rc, dim);
                if (i % 2 == 1) { // edge values: a zero row and a zero query score exactly 0, a NaN row scores NaN
                    rows[random.nextInt(rc)] = new float[dim];
                    queries[random.nextInt(qc)] = new float[dim];
                    rows[random.nextInt(rc)][random.nextInt(dim)] = Float.NaN;
                }
                MemorySegment panels = TestVectors.panelSegment(arena, rows, 8);
                float[] thresholds = new float[qc];
                Arrays.fill(thresholds, Float.NEGATIVE_INFINITY);
                float[] expected = offered(qc, rc, sink -> simd.scorePanelsTopK(QueryBlock.of(queries), panels, 8, rc,
                        thresholds.clone(), sink));
                int stride = (int) RowPanels.paddedRows(rc) + 3;
                float[] actual = new float[qc * stride];
                float[] scalar = new float[qc * stride];
                simd.scorePanels(QueryBlock.of(queries), panels, 8, rc, actual, stride);
                SCALAR.scorePanels(QueryBlock.of(queries), panels, 8, rc, scalar, stride);
                for (int q = 0; q < qc; q++) {
                    for (int r = 0; r < rc; r++) {
                        String where = "q=" + q + "/" + qc + " r=" + r + "/" + rc;
                        float score = actual[q * stride + r];
                        if (Float.isNaN(expected[q * rc + r])) { // NaN is never offered: the row held a NaN
                            assertTrue(Float.isNaN(score) && Float.isNaN(scalar[q * stride + r]), where);
                            continue;
                        }
                        assertEquals(Float.floatToIntBits(expected[q * rc + r]), Float.floatToIntBits(score), where);
                        assertEquals(TestVectors.exactDot(queries[q], rows[r], dim), scalar[q * stride + r],
                                TestVectors.tolerance(queries[q], rows[r], dim), where + " (scalar)");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void scorePanelsOfOneQueryOrAnOddLastOneWritesThePairKernelsBitsForEveryTail(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 13L + 7);
        // One query has its own kernel (eight row vectors a step, then four, then the last one to three in
        // one pass), and an odd last query is no longer scored as a pair of itself: every count of row vectors
        // from 1 to past three steps of eight, at 16 lanes (8 at AVX2: even counts), each with a partial panel.
        int[] rowCounts = IntStream.rangeClosed(1, 28).map(v -> 16 * v - (v % 3) * 5).toArray();
        try (Arena arena = Arena.ofConfined()) {
            for (int qc : new int[] {1, 3, 5}) {
                for (int i = 0; i < rowCounts.length; i++) {
                    int rc = rowCounts[i];
                    float[][] queries = TestVectors.rows(random, qc, dim);
                    float[][] rows = TestVectors.rows(random, rc, dim);
                    if (i % 3 == 1) { // a zero row scores exactly 0, a zero query too, a NaN row scores NaN
                        rows[random.nextInt(rc)] = new float[dim];
                        queries[qc - 1] = new float[dim];
                        rows[random.nextInt(rc)][random.nextInt(dim)] = Float.NaN;
                    }
                    MemorySegment panels = TestVectors.panelSegment(arena, rows, 4);
                    float[] thresholds = new float[qc];
                    Arrays.fill(thresholds, Float.NEGATIVE_INFINITY);
                    // The fused kernel still scores one query as a pair of itself and its tail a row vector a time.
                    float[] expected = offered(qc, rc, sink -> simd.scorePanelsTopK(QueryBlock.of(queries), panels, 4,
                            rc, thresholds.clone(), sink));
                    int stride = (int) RowPanels.paddedRows(rc) + 16;
                    float[] actual = new float[qc * stride];
                    float[] scalar = new float[qc * stride];
                    Arrays.fill(actual, -7f);
                    simd.scorePanels(QueryBlock.of(queries), panels, 4, rc, actual, stride);
                    SCALAR.scorePanels(QueryBlock.of(queries), panels, 4, rc, scalar, stride);
                    for (int q = 0; q < qc; q++) {
                        for (int r = 0; r < rc; r++) {
                            String where = "q=" + q + "/" + qc + " r=" + r + "/" + rc;
                            float score = actual[q * stride + r];
                            if (Float.isNaN(expected[q * rc + r])) {
                                assertTrue(Float.isNaN(score) && Float.isNaN(scalar[q * stride + r]), where);
                                continue;
                            }
                            assertEquals(Float.floatToIntBits(expected[q * rc + r]), Float.floatToIntBits(score),
                                    where);
                            assertEquals(TestVectors.exactDot(queries[q], rows[r], dim), scalar[q * stride + r],
                                    TestVectors.tolerance(queries[q], rows[r], dim), where + " (scalar)");
                        }
                        for (int r = (int) RowPanels.paddedRows(rc); r < stride; r++) {
                            assertEquals(-7f, actual[q * stride + r], "wrote past the padded rows: q=" + q + " r=" + r);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void tailsOfOneToThreeRowVectorsGiveTheRowKernelsBitsForEveryQueryCount(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 19L + 5);
        // A list's last one to three row vectors are scored in one pass against each quad, pair or lone query:
        // every tail length after zero and one group of four row vectors (16 lanes; 8 at AVX2), with partial
        // panels, against query counts through quads, pairs and an odd last one.
        int[] rowCounts = {1, 3, 16, 17, 31, 33, 40, 48, 49, 51, 64, 65, 79, 96, 97, 112, 113};
        try (Arena arena = Arena.ofConfined()) {
            for (int qc : new int[] {1, 2, 3, 4, 5, 6, 7, 9}) {
                int rc = rowCounts[random.nextInt(rowCounts.length)];
                float[][] queries = TestVectors.rows(random, qc, dim);
                float[][] rows = TestVectors.rows(random, rc, dim);
                if (qc % 2 == 1) { // a zero row and a zero query score exactly 0, a NaN row scores NaN
                    rows[random.nextInt(rc)] = new float[dim];
                    queries[random.nextInt(qc)] = new float[dim];
                    rows[random.nextInt(rc)][random.nextInt(dim)] = Float.NaN;
                }
                MemorySegment plain = TestVectors.segment(arena, rows, 0, 4L * dim);
                MemorySegment panels = TestVectors.panelSegment(arena, rows, 8);
                float[] thresholds = new float[qc];
                Arrays.fill(thresholds, Float.NEGATIVE_INFINITY);
                float[] expected = offered(qc, rc, sink -> simd.scoreBlockTopK(QueryBlock.of(queries), plain, 0,
                        4L * dim, rc, thresholds.clone(), sink));
                float[] offered = offered(qc, rc, sink -> simd.scorePanelsTopK(QueryBlock.of(queries), panels, 8, rc,
                        thresholds.clone(), sink));
                int stride = (int) RowPanels.paddedRows(rc) + 16;
                float[] written = new float[qc * stride];
                float[] scalar = new float[qc * stride];
                Arrays.fill(written, -7f);
                simd.scorePanels(QueryBlock.of(queries), panels, 8, rc, written, stride);
                SCALAR.scorePanels(QueryBlock.of(queries), panels, 8, rc, scalar, stride);
                for (int q = 0; q < qc; q++) {
                    for (int r = 0; r < rc; r++) {
                        String where = "q=" + q + "/" + qc + " r=" + r + "/" + rc;
                        int i = q * rc + r;
                        assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(offered[i]), where);
                        if (Float.isNaN(expected[i])) { // never offered: the row held a NaN
                            assertTrue(Float.isNaN(written[q * stride + r]), where);
                            continue;
                        }
                        assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(written[q * stride + r]),
                                where);
                        assertEquals(TestVectors.exactDot(queries[q], rows[r], dim), scalar[q * stride + r],
                                TestVectors.tolerance(queries[q], rows[r], dim), where + " (scalar)");
                    }
                    for (int r = (int) RowPanels.paddedRows(rc); r < stride; r++) {
                        assertEquals(-7f, written[q * stride + r], "wrote past the padded rows: q=" + q + " r=" + r);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void indicesAtLeastFindsEveryPassingValueInOrderAndNeverNan(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 5L + 1);
        // dim stands in for the run's length here: odd lengths, full vectors and tails.
        float[] values = TestVectors.uniform(random, dim + 9);
        values[random.nextInt(values.length)] = Float.NaN;
        values[random.nextInt(values.length)] = 0.25f;
        values[random.nextInt(values.length)] = 0f;
        values[random.nextInt(values.length)] = -0f;
        for (float threshold : new float[] {Float.NEGATIVE_INFINITY, -0.5f, -0f, 0.25f, 0.9f, Float.NaN}) {
            int[] rows = new int[dim];
            int[] oracle = new int[dim];
            int m = simd.indicesAtLeast(values, 9, dim, threshold, rows);
            int n = SCALAR.indicesAtLeast(values, 9, dim, threshold, oracle);
            assertEquals(n, m, "threshold " + threshold);
            for (int i = 0; i < m; i++) {
                assertEquals(oracle[i], rows[i]);
                assertTrue(values[9 + rows[i]] >= threshold);
            }
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void countAtLeastCountsAsTheScalarLoopDoesAtEveryLengthAndExtreme(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 7L + 3);
        // dim stands in for the count's length: odd lengths, full vectors and a masked tail; the array is
        // longer than the length so that a tail reading past it would count values it must not.
        int[] values = new int[dim + 20];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (i % 5) {
                case 0 -> random.nextInt();
                case 1 -> random.nextInt(7) - 3; // ties and zero
                case 2 -> Integer.MIN_VALUE;
                case 3 -> Integer.MAX_VALUE;
                default -> Float.floatToRawIntBits(random.nextFloat());
            };
        }
        int[] thresholds = {Integer.MIN_VALUE, Integer.MIN_VALUE + 1, -3, -1, 0, 1, 2, Integer.MAX_VALUE,
            values[0], values[dim - 1], random.nextInt()};
        for (int threshold : thresholds) {
            for (int n : new int[] {0, 1, dim / 2, dim}) {
                int expected = 0;
                for (int i = 0; i < n; i++) {
                    expected += values[i] >= threshold ? 1 : 0;
                }
                assertEquals(expected, SCALAR.countAtLeast(values, n, threshold), "scalar n=" + n + " t=" + threshold);
                assertEquals(expected, simd.countAtLeast(values, n, threshold), "n=" + n + " t=" + threshold);
            }
        }
        int[] zeros = new int[dim];
        assertEquals(dim, simd.countAtLeast(zeros, dim, 0));
        assertEquals(0, simd.countAtLeast(zeros, dim, 1));
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

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void zerosScoreExactlyZeroAndNanPropagates(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim);
        float[] zeros = new float[dim];
        float[] b = TestVectors.uniform(random, dim);
        float[] nan = TestVectors.uniform(random, dim);
        nan[random.nextInt(dim)] = Float.NaN;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rows = TestVectors.segment(arena, new float[][] {b, nan, zeros}, 0, 4L * dim);
            assertEquals(0f, simd.dot(zeros, b, dim));
            assertEquals(0f, simd.squaredNorm(zeros, 0, dim));
            assertTrue(Float.isNaN(simd.dot(nan, b, dim)));
            assertTrue(Float.isNaN(simd.dot(b, rows, 4L * dim, dim)));
            assertTrue(Float.isNaN(simd.squaredNorm(rows, 4L * dim, dim)));

            QueryBlock block = QueryBlock.of(b, zeros, nan);
            float[] scores = new float[9];
            simd.scoreBlock(block, rows, 0, 4L * dim, 3, scores);
            float[] oracle = new float[9];
            SCALAR.scoreBlock(block, rows, 0, 4L * dim, 3, oracle);
            for (int i = 0; i < 9; i++) {
                assertEquals(Float.isNaN(oracle[i]), Float.isNaN(scores[i]), "NaN at " + i);
            }
            // scores[r * 3 + q]: queries (b, zeros, nan) against rows (b, nan, zeros)
            assertEquals(0f, scores[0 * 3 + 1], "zero query against row b");
            assertEquals(0f, scores[2 * 3 + 0], "query b against the zero row");
            assertTrue(Float.isNaN(scores[1 * 3 + 0]), "query b against the NaN row");
            assertTrue(Float.isNaN(scores[0 * 3 + 2]), "the NaN query against row b");
        }
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void normalizeGivesUnitNormAndLeavesZeroVectorsAlone(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim + 11L);
        float[] v = new float[dim + 3];
        float[] src = TestVectors.uniform(random, dim);
        System.arraycopy(src, 0, v, 3, dim);
        float norm = simd.normalize(v, 3, dim);
        assertEquals(Math.sqrt(TestVectors.exactDot(src, src, dim)), norm, 1e-5 * norm + 1e-30);
        assertEquals(1.0, TestVectors.exactDot(slice(v, 3, dim), slice(v, 3, dim), dim), 1e-5);
        float[] zeros = new float[dim];
        assertEquals(0f, simd.normalize(zeros, 0, dim));
        assertEquals(0.0, TestVectors.exactDot(zeros, zeros, dim));
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void axpyGivesTheOraclesBitsAtAnyOffsetWithZerosAndNan(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 7L + 3);
        for (int trial = 0; trial < 4; trial++) {
            float a = trial == 0 ? 0f : (float) (random.nextDouble() * 4 - 2);
            int xOff = random.nextInt(5);
            int yOff = random.nextInt(5);
            float[] x = new float[xOff + dim + 2];
            float[] y = new float[yOff + dim + 3];
            System.arraycopy(TestVectors.uniform(random, dim), 0, x, xOff, dim);
            System.arraycopy(TestVectors.uniform(random, dim), 0, y, yOff, dim);
            if (trial == 3) {
                x[xOff + random.nextInt(dim)] = Float.NaN;
            }
            float[] expected = y.clone();
            SCALAR.axpy(a, x, xOff, expected, yOff, dim);
            float[] got = y.clone();
            simd.axpy(a, x, xOff, got, yOff, dim);
            assertTrue(Arrays.equals(expected, got), "a=" + a + " xOff=" + xOff + " yOff=" + yOff);
            for (int i = 0; i < y.length; i++) {
                boolean inside = i >= yOff && i < yOff + dim;
                if (!inside) {
                    assertEquals(y[i], got[i], "outside the range: untouched at " + i);
                } else if (!Float.isNaN(x[xOff + i - yOff])) {
                    assertEquals((double) y[i] + (double) a * x[xOff + i - yOff], got[i], 1e-6, "value at " + i);
                } else {
                    assertTrue(Float.isNaN(got[i]), "NaN propagates at " + i);
                }
            }
        }
        float[] zeros = new float[dim];
        float[] y = TestVectors.uniform(random, dim);
        float[] before = y.clone();
        simd.axpy(1.5f, zeros, 0, y, 0, dim);
        assertTrue(Arrays.equals(before, y), "adding zeros changes nothing");
    }

    @Test
    void queryBlockRepacksAfterItChanges() {
        VectorKernels simd = PanamaVectorKernels.create("auto");
        SplittableRandom random = new SplittableRandom(99);
        int dim = 37;
        float[][] rows = TestVectors.rows(random, 7, dim);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = TestVectors.segment(arena, rows, 0, 4L * dim);
            QueryBlock block = new QueryBlock(40, dim);
            float[] scores = new float[40 * 7];
            for (int round = 0; round < 3; round++) {
                block.clear();
                float[][] queries = TestVectors.rows(random, 10 + round * 13, dim);
                for (float[] q : queries) {
                    block.add(q);
                }
                simd.scoreBlock(block, seg, 0, 4L * dim, 7, scores);
                for (int q = 0; q < queries.length; q++) {
                    for (int r = 0; r < 7; r++) {
                        assertEquals(TestVectors.exactDot(queries[q], rows[r], dim), scores[r * queries.length + q],
                                TestVectors.tolerance(queries[q], rows[r], dim), "round " + round);
                    }
                }
            }
        }
    }

    private static float[] slice(float[] v, int from, int n) {
        float[] out = new float[n];
        System.arraycopy(v, from, out, 0, n);
        return out;
    }
}
