package dev.quarry.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Sorted exclusions answer as a membership test, for short arrays (scanned) and long ones (searched). */
class ExclusionsTest {

    @Test
    void excludesExactlyTheListedOrdinalsOfEachQueryWhateverTheLength() {
        SplittableRandom random = new SplittableRandom(13);
        int[] lengths = {0, 1, 2, 3, Exclusions.SCAN_BELOW, Exclusions.SCAN_BELOW + 1, 17, 100};
        int[][] perQuery = new int[lengths.length + 1][];
        for (int q = 0; q < lengths.length; q++) {
            perQuery[q] = random.ints(lengths[q], 0, 200).sorted().toArray();
        }
        perQuery[lengths.length] = null; // a query with nothing excluded
        Exclusions exclusions = Exclusions.ofSorted(perQuery);
        for (int q = 0; q < perQuery.length; q++) {
            for (int ordinal = -1; ordinal <= 200; ordinal++) {
                int o = ordinal;
                boolean listed = perQuery[q] != null && Arrays.stream(perQuery[q]).anyMatch(e -> e == o);
                assertEquals(listed, exclusions.excludes(q, ordinal), "query " + q + ", ordinal " + ordinal);
            }
        }
    }
}
