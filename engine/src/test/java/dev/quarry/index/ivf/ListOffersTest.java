package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.index.Exclusions;
import dev.quarry.index.TopK;
import dev.quarry.index.TopKCollector;
import dev.quarry.vector.ScalarVectorKernels;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Offering a list's scores at once keeps exactly the candidates that offering them one by one to a heap keeps. */
class ListOffersTest {

    @Test
    void keepsWhatOfferingEachScoreKeepsWithTiesNanExclusionsAndEarlierLists() {
        SplittableRandom random = new SplittableRandom(12);
        for (VectorKernels kernels : new VectorKernels[] {VectorKernelsProvider.get(), new ScalarVectorKernels()}) {
            ListOffers offers = new ListOffers(kernels);
            for (int trial = 0; trial < 400; trial++) {
                int k = 1 + random.nextInt(trial % 4 == 0 ? 5 : 150);
                int lists = 1 + random.nextInt(3);
                // Few distinct values make ties everywhere; wide ones make the sampled cut matter.
                boolean ties = trial % 3 == 0;
                int[][] excluded = {random.nextInt(3) == 0 ? null : new int[] {random.nextInt(50), 60 + random.nextInt(9)}};
                for (int[] e : excluded) {
                    if (e != null) {
                        Arrays.sort(e);
                    }
                }
                TopKCollector one = new TopKCollector(1, k);
                ListTopK all = new ListTopK(1, k, Exclusions.ofSorted(excluded));
                one.reset(1, Exclusions.ofSorted(excluded));
                int next = 0;
                for (int l = 0; l < lists; l++) {
                    int n = 1 + random.nextInt(trial % 5 == 0 ? 30 : 5000);
                    int lead = random.nextInt(7);
                    float[] scores = new float[lead + n];
                    int[] ordinals = new int[3 + n];
                    for (int r = 0; r < n; r++) {
                        scores[lead + r] = ties ? random.nextInt(12) : (float) random.nextGaussian();
                        ordinals[3 + r] = next++;
                    }
                    if (n > 10 && random.nextBoolean()) {
                        scores[lead + random.nextInt(n)] = Float.NaN;
                    }
                    for (int r = 0; r < n; r++) {
                        if (scores[lead + r] >= one.thresholds()[0]) {
                            one.offerOrdinal(0, ordinals[3 + r], scores[lead + r]);
                        }
                    }
                    offers.offer(all, 0, scores, lead, n, ordinals, 3);
                }
                TopK expected = one.result();
                all.sortInPlace(0, 1, offers.scratch());
                TopK actual = all.result();
                String where = kernels.description() + " trial " + trial + " k=" + k;
                assertEquals(expected.count(0), actual.count(0), where);
                for (int i = 0; i < expected.count(0); i++) {
                    assertEquals(expected.id(0, i), actual.id(0, i), where + " rank " + i);
                    assertEquals(Float.floatToRawIntBits(expected.score(0, i)), Float.floatToRawIntBits(actual.score(0, i)),
                            where + " rank " + i);
                }
            }
        }
    }
}
