package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.Exclusions;
import dev.quarry.index.TopK;
import dev.quarry.index.TopKCollector;
import dev.quarry.vector.VectorKernelsProvider;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Merging candidates a list at a time keeps, in the same order and bits, what a heap fed one by one keeps. */
class ListTopKTest {

    @Test
    void keepsTheHeapsCandidatesWithTiesSignedZerosAndShortQueries() {
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 300; trial++) {
            int k = trial % 7 == 0 ? 1 : 1 + random.nextInt(120);
            int queries = 1 + random.nextInt(6);
            ListTopK merged = new ListTopK(queries, k, null);
            ListTopK.Scratch scratch = new ListTopK.Scratch(VectorKernelsProvider.get());
            TopKCollector heap = new TopKCollector(queries, k);
            heap.reset(queries, Exclusions.NONE);
            int mode = trial % 4; // 0: gaussian, 1: few values (ties), 2: zeros of both signs, 3: short of k
            int next = random.nextInt(1000);
            for (int q = 0; q < queries; q++) {
                int batches = mode == 3 ? 1 : 1 + random.nextInt(5);
                for (int b = 0; b < batches; b++) {
                    int m = mode == 3 ? random.nextInt(k) : random.nextInt(2 * k + 40);
                    float[] scores = new float[m];
                    int[] ids = new int[m];
                    int kept = 0;
                    float threshold = merged.threshold(q);
                    for (int i = 0; i < m; i++) {
                        float s = switch (mode) {
                            case 1 -> random.nextInt(6);
                            case 2 -> random.nextInt(3) == 0 ? (random.nextBoolean() ? -0f : 0f) : random.nextInt(3) - 1;
                            default -> (float) random.nextGaussian();
                        };
                        int id = Integer.reverse(next++) >>> 1; // unique (as rows of lists are), not ascending
                        heap.offerOrdinal(q, id, s);
                        if (s >= threshold) { // what ListOffers hands over: nothing below the k-th best held
                            scores[kept] = s;
                            ids[kept++] = id;
                        }
                    }
                    merged.merge(q, scores, ids, kept, scratch);
                    // As values (the heap's root may be the -0.0 of a tie with 0.0)
                    assertTrue(heap.thresholds()[q] == merged.threshold(q), "trial " + trial + " q " + q);
                }
            }
            merged.sortInPlace(0, queries, scratch);
            TopK actual = merged.result();
            TopK expected = heap.result();
            for (int q = 0; q < queries; q++) {
                String where = "trial " + trial + " mode " + mode + " k=" + k + " q=" + q;
                assertEquals(expected.count(q), actual.count(q), where);
                for (int i = 0; i < expected.count(q); i++) {
                    assertEquals(expected.id(q, i), actual.id(q, i), where + " rank " + i);
                    assertEquals(Float.floatToRawIntBits(expected.score(q, i)),
                            Float.floatToRawIntBits(actual.score(q, i)), where + " rank " + i);
                }
            }
        }
    }

    @Test
    void fewCandidatesAListJoinAFullQueryAsTheHeapKeepsThemWithTiesAndSignedZeros() {
        // Lists of a few rows, each beating the k-th best with one to three scores: the path of a full query's
        // small merges (a sift each), mixed with merges large enough for the selection.
        SplittableRandom random = new SplittableRandom(23);
        for (int trial = 0; trial < 200; trial++) {
            int k = new int[] {1, 2, 8, 37, 100}[trial % 5];
            ListTopK merged = new ListTopK(1, k, null);
            ListTopK.Scratch scratch = new ListTopK.Scratch(VectorKernelsProvider.get());
            TopKCollector heap = new TopKCollector(1, k);
            heap.reset(1, Exclusions.NONE);
            int mode = trial % 3; // 0: gaussian, 1: few values (ties), 2: zeros of both signs
            int next = random.nextInt(1000);
            for (int list = 0; list < 60; list++) {
                int m = list % 17 == 16 ? k + random.nextInt(k + 1) : 1 + random.nextInt(3);
                float[] scores = new float[m];
                int[] ids = new int[m];
                int kept = 0;
                float threshold = merged.threshold(0);
                for (int i = 0; i < m; i++) {
                    float s = switch (mode) {
                        case 1 -> random.nextInt(4);
                        case 2 -> random.nextBoolean() ? (random.nextBoolean() ? -0f : 0f) : random.nextInt(3) - 1;
                        default -> (float) random.nextGaussian() + list * 0.01f;
                    };
                    int id = Integer.reverse(next++) >>> 1;
                    heap.offerOrdinal(0, id, s);
                    if (s >= threshold) {
                        scores[kept] = s;
                        ids[kept++] = id;
                    }
                }
                merged.merge(0, scores, ids, kept, scratch);
                assertTrue(heap.thresholds()[0] == merged.threshold(0), "trial " + trial + " list " + list);
            }
            merged.sortInPlace(0, 1, scratch);
            TopK actual = merged.result();
            TopK expected = heap.result();
            String where = "trial " + trial + " mode " + mode + " k=" + k;
            assertEquals(expected.count(0), actual.count(0), where);
            for (int i = 0; i < expected.count(0); i++) {
                assertEquals(expected.id(0, i), actual.id(0, i), where + " rank " + i);
                assertEquals(Float.floatToRawIntBits(expected.score(0, i)), Float.floatToRawIntBits(actual.score(0, i)),
                        where + " rank " + i);
            }
        }
    }
}
