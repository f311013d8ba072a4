package dev.quarry.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The plain loops a short run scores with give the SIMD kernels' bits, score for score: row-major blocks,
 * panels, one-byte code panels and scattered rows, odd dimensions, every panel and group remainder,
 * zeros and NaN, for both micro-kernel shapes (the build runs this class again with 256-bit vectors).
 */
class ColdStartKernelsTest {
    static Stream<Arguments> kernelsAndDims() {
        List<Arguments> args = new ArrayList<>();
        for (String shape : new String[] {"wide", "narrow"}) {
            VectorKernels simd = PanamaVectorKernels.create(shape);
            for (int dim : new int[] {1, 3, 7, 15, 16, 17, 100, 383, 384, 385}) {
                args.add(Arguments.of(simd, dim));
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0} d={1}")
    @MethodSource("kernelsAndDims")
    void blocksAndPanelsScoreWithTheSimdBits(VectorKernels simd, int dim) {
        SplittableRandom random = new SplittableRandom(dim * 31L + 5);
        ColdStartKernels cold = new ColdStartKernels(simd);
        try (Arena arena = Arena.ofConfined()) {
            for (int qc : new int[] {1, 2, 3, 5, 15, 16, 17, 33, 70}) {
                int rc = new int[] {1, 3, 4, 7, 15, 16, 17, 31, 65, 100}[random.nextInt(10)];
                float[][] queries = TestVectors.rows(random, qc, dim);
                float[][] rows = TestVectors.rows(random, rc, dim);
                rows[0] = new float[dim];
                if (rc > 1) {
                    rows[1][random.nextInt(dim)] = Float.NaN;
                }
                long stride = 4L * dim + 12;
                MemorySegment block = TestVectors.segment(arena, rows, 20, stride);
                MemorySegment panels = TestVectors.panelSegment(arena, rows, 8);
                String where = "queries " + qc + ", rows " + rc;

                float[] expected = new float[qc * rc];
                float[] actual = new float[qc * rc];
                simd.scoreBlock(QueryBlock.of(queries), block, 20, stride, rc, expected);
                cold.scoreBlock(QueryBlock.of(queries), block, 20, stride, rc, actual);
                assertSameBits(expected, actual, "scoreBlock, " + where);

                int padded = (int) RowPanels.paddedRows(rc);
                expected = new float[qc * padded];
                actual = new float[qc * padded];
                simd.scorePanels(QueryBlock.of(queries), panels, 8, rc, expected, padded);
                cold.scorePanels(QueryBlock.of(queries), panels, 8, rc, actual, padded);
                for (int q = 0; q < qc; q++) {
                    assertSameBits(Arrays.copyOfRange(expected, q * padded, q * padded + rc),
                            Arrays.copyOfRange(actual, q * padded, q * padded + rc), "scorePanels, " + where);
                }

                float[] thresholds = thresholds(random, qc);
                assertSameBits(offered(qc, rc, sink -> simd.scoreBlockTopK(QueryBlock.of(queries), block, 20, stride,
                                rc, thresholds.clone(), sink)),
                        offered(qc, rc, sink -> cold.scoreBlockTopK(QueryBlock.of(queries), block, 20, stride, rc,
                                thresholds.clone(), sink)), "scoreBlockTopK, " + where);
                assertSameBits(offered(qc, rc, sink -> simd.scorePanelsTopK(QueryBlock.of(queries), panels, 8, rc,
                                thresholds.clone(), sink)),
                        offered(qc, rc, sink -> cold.scorePanelsTopK(QueryBlock.of(queries), panels, 8, rc,
                                thresholds.clone(), sink)), "scorePanelsTopK, " + where);

                byte[][] codes = TestVectors.codes(random, rc, dim);
                MemorySegment codePanels = TestVectors.codePanelSegment(arena, codes, 3);
                assertSameBits(offered(qc, rc, sink -> simd.scoreCodePanelsTopK(QueryBlock.of(queries), codePanels, 3,
                                rc, thresholds.clone(), sink)),
                        offered(qc, rc, sink -> cold.scoreCodePanelsTopK(QueryBlock.of(queries), codePanels, 3, rc,
                                thresholds.clone(), sink)), "scoreCodePanelsTopK, " + where);

                long[] offsets = new long[rc];
                for (int r = 0; r < rc; r++) {
                    offsets[r] = 20 + (rc - 1 - r) * stride;
                }
                expected = new float[rc];
                actual = new float[rc];
                simd.laneDots(queries[0], dim, block, offsets, rc, expected);
                cold.laneDots(queries[0], dim, block, offsets, rc, actual);
                assertSameBits(expected, actual, "laneDots, " + where);
            }
        }
    }

    @Test
    void hasNoWayBackOnceWarmedAndLeavesScalarKernelsAsTheyAre() {
        VectorKernels simd = PanamaVectorKernels.create("wide");
        ColdStartKernels cold = new ColdStartKernels(simd);
        assertFalse(cold.warm());
        assertTrue(cold.description().contains("plain loops"), cold.description());
        cold.warmUp();
        assertTrue(cold.warm());
        assertEquals(simd.description(), cold.description());
        ScalarVectorKernels scalar = new ScalarVectorKernels();
        assertSame(scalar, ColdStartKernels.around(scalar), "the scalar kernels' own arithmetic is kept");
        assertSame(cold, ColdStartKernels.around(cold));
    }

    @Test
    void exactSelectionsRunAsPlainLoopsUntilWarmedWithTheSimdAnswers() {
        VectorKernels simd = PanamaVectorKernels.create("wide");
        int[] simdCalls = {0};
        VectorKernels counted = (VectorKernels) java.lang.reflect.Proxy.newProxyInstance(
                VectorKernels.class.getClassLoader(), new Class<?>[] {VectorKernels.class}, (proxy, method, a) -> {
                    if (method.getName().equals("countAtLeast") || method.getName().equals("indicesAtLeast")) {
                        simdCalls[0]++;
                    }
                    try {
                        return method.invoke(simd, a);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        ColdStartKernels cold = new ColdStartKernels(counted);
        SplittableRandom random = new SplittableRandom(11);
        for (int n : new int[] {0, 1, 3, 7, 15, 16, 17, 100, 383, 384, 385}) {
            int[] ints = new int[n];
            float[] floats = new float[n + 2];
            for (int i = 0; i < n; i++) {
                ints[i] = random.nextInt(-50, 50);
                floats[i + 2] = i % 9 == 0 ? Float.NaN : i % 7 == 0 ? 0f : (float) random.nextDouble(-1, 1);
            }
            for (int t : new int[] {Integer.MIN_VALUE, -50, -1, 0, 13, 50}) {
                assertEquals(simd.countAtLeast(ints, n, t), cold.countAtLeast(ints, n, t), "count, n=" + n + " t=" + t);
            }
            for (float t : new float[] {Float.NEGATIVE_INFINITY, -0.5f, 0f, 0.25f, Float.POSITIVE_INFINITY}) {
                int[] expected = new int[n];
                int[] actual = new int[n];
                int m = simd.indicesAtLeast(floats, 2, n, t, expected);
                assertEquals(m, cold.indicesAtLeast(floats, 2, n, t, actual), "indices, n=" + n + " t=" + t);
                assertTrue(Arrays.equals(expected, 0, m, actual, 0, m), "indices, n=" + n + " t=" + t);
            }
        }
        assertEquals(0, simdCalls[0], "a cold selection reached the SIMD kernels");
        cold.warmUp();
        cold.countAtLeast(new int[] {1, 2, 3}, 3, 2);
        cold.indicesAtLeast(new float[] {1, 2, 3}, 0, 3, 2f, new int[3]);
        assertEquals(2, simdCalls[0], "a warm selection went to the plain loops");
    }

    /** Thresholds that let everything through, nothing, or about half the rows, by query. */
    private static float[] thresholds(SplittableRandom random, int qc) {
        float[] t = new float[qc];
        for (int q = 0; q < qc; q++) {
            t[q] = switch (q % 3) {
                case 0 -> Float.NEGATIVE_INFINITY;
                case 1 -> Float.POSITIVE_INFINITY;
                default -> (float) (random.nextDouble() - 0.5);
            };
        }
        return t;
    }

    /** The scores a kernel offers, by {@code q * rows + r}; NaN where nothing was offered. */
    private static float[] offered(int qc, int rc, Consumer<CandidateSink> kernel) {
        float[] scores = new float[qc * rc];
        Arrays.fill(scores, Float.NaN);
        kernel.accept((q, r, score) -> {
            assertTrue(r < rc, "a padding row was offered: " + r);
            scores[q * rc + r] = score;
        });
        return scores;
    }

    private static void assertSameBits(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                    what + " at " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }
}
